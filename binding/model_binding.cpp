// Model: a native model graph as a JS object. forward / inputGradient run on worker threads and resolve
// promises; parameters are copied in once (setParams), so checkpoint buffers can be dropped afterwards.
#include <napi.h>

#include <atomic>
#include <cstring>

#include "core/engine_thread.h"
#include "errors.h"
#include "js_tensor.h"
#include "nn/model.h"
#include "nn/train.h"

namespace lkb {
namespace {

lk::nn::Config config_from_js(const Napi::Value& v) {
  lk::nn::Config cfg;
  if (v.IsUndefined() || v.IsNull()) return cfg;
  if (!v.IsObject()) throw lk::ArgError("Model: expected a config object, received " + describe(v));
  Napi::Object o = v.As<Napi::Object>();
  Napi::Array keys = o.GetPropertyNames();
  for (uint32_t i = 0; i < keys.Length(); i++) {
    std::string k = keys.Get(i).As<Napi::String>().Utf8Value();
    Napi::Value e = o.Get(k);
    if (e.IsNumber()) {
      cfg.set(k, e.As<Napi::Number>().DoubleValue());
    } else if (e.IsBoolean()) {
      cfg.set(k, e.As<Napi::Boolean>().Value() ? 1.0 : 0.0);
    } else if (e.IsString()) {
      cfg.set(k, e.As<Napi::String>().Utf8Value());
    } else if (e.IsArray()) {
      Napi::Array a = e.As<Napi::Array>();
      std::vector<double> nums;
      for (uint32_t j = 0; j < a.Length(); j++) {
        if (!a.Get(j).IsNumber()) throw lk::ArgError("Model config `" + k + "`: expected numbers, received " + describe(a.Get(j)));
        nums.push_back(a.Get(j).As<Napi::Number>().DoubleValue());
      }
      cfg.set(k, nums);
    } else if (!e.IsUndefined()) {
      throw lk::ArgError("Model config `" + k + "`: expected a number, boolean, string or number array, received " + describe(e));
    }
  }
  return cfg;
}

Napi::Value records_to_js(Napi::Env env, const std::vector<lk::nn::BlockRecord>& recs) {
  Napi::Array a = Napi::Array::New(env, recs.size());
  for (size_t i = 0; i < recs.size(); i++) {
    const auto& r = recs[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", r.name);
    Napi::Array shape = Napi::Array::New(env, r.shape.size());
    for (size_t j = 0; j < r.shape.size(); j++) shape.Set(static_cast<uint32_t>(j), Napi::Number::New(env, double(r.shape[j])));
    o.Set("shape", shape);
    o.Set("mean", r.mean);
    o.Set("std", r.std);
    o.Set("fmapVarBatchMean", r.fmap_var_batch_mean);
    o.Set("fmapVarPerImage", r.fmap_var_per_image);
    a.Set(static_cast<uint32_t>(i), o);
  }
  return a;
}

class Model : public Napi::ObjectWrap<Model> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Model",
                       {InstanceMethod("paramSpecs", &Model::ParamSpecs), InstanceMethod("setParams", &Model::SetParams),
                        InstanceMethod("getParams", &Model::GetParams), InstanceMethod("blockNames", &Model::BlockNames),
                        InstanceMethod("forward", &Model::Forward), InstanceMethod("inputGradient", &Model::InputGradient),
                        InstanceMethod("reparameterize", &Model::Reparameterize),
                        InstanceMethod("depthwiseKernels", &Model::DepthwiseKernels),
                        InstanceMethod("normalization", &Model::Normalization),
                        InstanceMethod("toDevice", &Model::ToDevice),
                        InstanceMethod("setOptimizer", &Model::SetOptimizer),
                        InstanceMethod("trainBatch", &Model::TrainBatch),
                        InstanceMethod("optimizerStep", &Model::OptimizerStep),
                        InstanceMethod("optimizerState", &Model::OptimizerState),
                        InstanceMethod("loadOptimizerState", &Model::LoadOptimizerState),
                        InstanceMethod("emaParams", &Model::EmaParams),
                        InstanceMethod("loadEmaParams", &Model::LoadEmaParams)});
  }

  Model(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Model>(info) {
    try {
      if (info.Length() < 1 || !info[0].IsString())
        throw lk::ArgError("Model: expected (family: string, config?: object), received " +
                           describe(info.Length() ? info[0] : info.Env().Undefined()));
      model_ = lk::nn::create_model(info[0].As<Napi::String>().Utf8Value(), config_from_js(info.Length() > 1 ? info[1] : info.Env().Undefined()));
    } catch (const std::exception& e) {
      to_js_error(info.Env(), classify(e)).ThrowAsJavaScriptException();
    }
  }

  lk::nn::Model& model() { return *model_; }
  lk::nn::Trainer& trainer() {
    if (!trainer_) throw lk::ArgError("Model.trainBatch: call setOptimizer(config) first");
    return *trainer_;
  }
  std::atomic<int> running{0};

 private:
  void require_idle(const char* what) {
    if (running.load() > 0) throw lk::ArgError(std::string("Model.") + what + ": not allowed while a forward or gradient is running");
  }

  Napi::Value ParamSpecs(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    const auto& specs = model_->param_specs();
    Napi::Array a = Napi::Array::New(env, specs.size());
    for (size_t i = 0; i < specs.size(); i++) {
      Napi::Object o = Napi::Object::New(env);
      o.Set("name", specs[i].name);
      Napi::Array s = Napi::Array::New(env, specs[i].shape.size());
      for (size_t j = 0; j < specs[i].shape.size(); j++) s.Set(static_cast<uint32_t>(j), Napi::Number::New(env, double(specs[i].shape[j])));
      o.Set("shape", s);
      a.Set(static_cast<uint32_t>(i), o);
    }
    return a;
  }

  Napi::Value SetParams(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      require_idle("setParams");
      if (info.Length() < 1 || !info[0].IsObject()) throw lk::ArgError("Model.setParams: expected an object name -> tensor");
      Napi::Object o = info[0].As<Napi::Object>();
      Napi::Array keys = o.GetPropertyNames();
      std::map<std::string, lk::Tensor> params;
      for (uint32_t i = 0; i < keys.Length(); i++) {
        std::string k = keys.Get(i).As<Napi::String>().Utf8Value();
        params[k] = tensor_from_js(o.Get(k), "parameter " + k).clone();  // engine-owned copy
      }
      model_->set_params(params);
      return env.Undefined();
    } catch (const std::exception& e) {
      to_js_error(env, classify(e)).ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }

  // toDevice("cpu" | "cuda" | "cuda:N"): parameters move there once; forward/inputGradient then run there.
  Napi::Value ToDevice(const Napi::CallbackInfo& info) {
    try {
      require_idle("toDevice");
      if (info.Length() < 1 || !info[0].IsString())
        throw lk::ArgError("Model.toDevice: expected \"cpu\", \"cuda\" or \"cuda:N\", received " +
                           describe(info.Length() ? info[0] : info.Env().Undefined()));
      model_->to_device(lk::Device::parse(info[0].As<Napi::String>().Utf8Value()));
    } catch (const std::exception& e) {
      to_js_error(info.Env(), classify(e)).ThrowAsJavaScriptException();
    }
    return info.Env().Undefined();
  }

  Napi::Value GetParams(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    for (const auto& [k, v] : model_->params()) o.Set(k, tensor_to_js(env, v.clone(), {}));
    return o;
  }

  Napi::Value BlockNames(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    auto names = model_->block_names();
    Napi::Array a = Napi::Array::New(env, names.size());
    for (size_t i = 0; i < names.size(); i++) a.Set(static_cast<uint32_t>(i), names[i]);
    return a;
  }

  Napi::Value Normalization(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    Napi::Array m = Napi::Array::New(env, 3), s = Napi::Array::New(env, 3);
    for (uint32_t i = 0; i < 3; i++) {
      m.Set(i, Napi::Number::New(env, model_->mean[i]));
      s.Set(i, Napi::Number::New(env, model_->std[i]));
    }
    o.Set("mean", m);
    o.Set("std", s);
    return o;
  }

  Napi::Value Reparameterize(const Napi::CallbackInfo& info) {
    try {
      require_idle("reparameterize");
      return Napi::Boolean::New(info.Env(), model_->reparameterize());
    } catch (const std::exception& e) {
      to_js_error(info.Env(), classify(e)).ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
  }

  Napi::Value DepthwiseKernels(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      auto ks = model_->depthwise_kernels();
      Napi::Array a = Napi::Array::New(env, ks.size());
      for (size_t i = 0; i < ks.size(); i++) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("name", ks[i].first);
        o.Set("weight", tensor_to_js(env, ks[i].second.clone(), {}));
        a.Set(static_cast<uint32_t>(i), o);
      }
      return a;
    } catch (const std::exception& e) {
      to_js_error(env, classify(e)).ThrowAsJavaScriptException();
      return env.Undefined();
    }
  }

  Napi::Value Forward(const Napi::CallbackInfo& info);
  Napi::Value InputGradient(const Napi::CallbackInfo& info);
  Napi::Value TrainBatch(const Napi::CallbackInfo& info);

  // setOptimizer({ kind: "sgd" | "adamw", momentum, dampening, nesterov, weightDecay, beta1, beta2, eps, emaDecay })
  // starts a fresh optimiser (state cleared, accumulated gradients dropped).
  Napi::Value SetOptimizer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      require_idle("setOptimizer");
      Attrs a(env, info.Length() ? info[0] : env.Undefined(), "Model.setOptimizer");
      lk::nn::OptimizerConfig cfg;
      const std::string kind = a.s("kind", "sgd");
      if (kind == "sgd") cfg.kind = lk::nn::OptimizerConfig::Kind::sgd;
      else if (kind == "adamw") cfg.kind = lk::nn::OptimizerConfig::Kind::adamw;
      else throw lk::ArgError("Model.setOptimizer: `kind` expected \"sgd\" or \"adamw\", received \"" + kind + "\"");
      cfg.momentum = a.f("momentum", 0.f);
      cfg.dampening = a.f("dampening", 0.f);
      cfg.nesterov = a.b("nesterov", false);
      cfg.weight_decay = a.f("weightDecay", 0.f);
      cfg.beta1 = a.f("beta1", 0.9f);
      cfg.beta2 = a.f("beta2", 0.999f);
      cfg.eps = a.f("eps", 1e-8f);
      auto t = std::make_unique<lk::nn::Trainer>(cfg);
      const float ema = a.f("emaDecay", 0.f);
      if (ema > 0) t->enable_ema(ema);
      trainer_ = std::move(t);
    } catch (const std::exception& e) {
      to_js_error(env, classify(e)).ThrowAsJavaScriptException();
    }
    return env.Undefined();
  }

  // optimizerStep(lr): the fused update on the mean of the gradients accumulated since the last step.
  Napi::Value OptimizerStep(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    try {
      require_idle("optimizerStep");
      if (info.Length() < 1 || !info[0].IsNumber() || !(info[0].As<Napi::Number>().DoubleValue() >= 0))
        throw lk::ArgError("Model.optimizerStep: expected a learning rate >= 0, received " +
                           describe(info.Length() ? info[0] : env.Undefined()));
      const double lr = info[0].As<Napi::Number>().DoubleValue();
      lk::run_on_engine_thread([&] { trainer().step(*model_, lr); });  // with the passes' OpenMP team
    } catch (const std::exception& e) {
      to_js_error(env, classify(e)).ThrowAsJavaScriptException();
    }
    return env.Undefined();
  }

  static Napi::Object tensors_to_js(Napi::Env env, const std::map<std::string, lk::Tensor>& m) {
    Napi::Object o = Napi::Object::New(env);
    for (const auto& [k, v] : m) o.Set(k, tensor_to_js(env, v.to(lk::cpu_device()).clone(), {}));
    return o;
  }
  static std::map<std::string, lk::Tensor> tensors_from_js(const Napi::Value& v, const std::string& what) {
    if (!v.IsObject()) throw lk::ArgError(what + ": expected an object name -> tensor, received " + describe(v));
    Napi::Object o = v.As<Napi::Object>();
    Napi::Array keys = o.GetPropertyNames();
    std::map<std::string, lk::Tensor> m;
    for (uint32_t i = 0; i < keys.Length(); i++) {
      std::string k = keys.Get(i).As<Napi::String>().Utf8Value();
      m[k] = tensor_from_js(o.Get(k), what + " " + k).clone();
    }
    return m;
  }

  Napi::Value OptimizerState(const Napi::CallbackInfo& info) {
    try {
      return tensors_to_js(info.Env(), trainer().optimizer().state());
    } catch (const std::exception& e) {
      to_js_error(info.Env(), classify(e)).ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
  }
  Napi::Value LoadOptimizerState(const Napi::CallbackInfo& info) {
    try {
      require_idle("loadOptimizerState");
      trainer().optimizer().load_state(tensors_from_js(info.Length() ? info[0] : info.Env().Undefined(), "Model.loadOptimizerState"));
    } catch (const std::exception& e) {
      to_js_error(info.Env(), classify(e)).ThrowAsJavaScriptException();
    }
    return info.Env().Undefined();
  }
  Napi::Value EmaParams(const Napi::CallbackInfo& info) {
    try {
      return tensors_to_js(info.Env(), trainer().ema());
    } catch (const std::exception& e) {
      to_js_error(info.Env(), classify(e)).ThrowAsJavaScriptException();
      return info.Env().Undefined();
    }
  }
  Napi::Value LoadEmaParams(const Napi::CallbackInfo& info) {
    try {
      require_idle("loadEmaParams");
      trainer().set_ema(tensors_from_js(info.Length() ? info[0] : info.Env().Undefined(), "Model.loadEmaParams"));
    } catch (const std::exception& e) {
      to_js_error(info.Env(), classify(e)).ThrowAsJavaScriptException();
    }
    return info.Env().Undefined();
  }

  std::unique_ptr<lk::nn::Model> model_;
  std::unique_ptr<lk::nn::Trainer> trainer_;
};

lk::nn::RunOptions run_options(const Napi::Value& v) {
  lk::nn::RunOptions o;
  if (v.IsUndefined() || v.IsNull()) return o;
  if (!v.IsObject()) throw lk::ArgError("Model run options: expected an object, received " + describe(v));
  Napi::Object obj = v.As<Napi::Object>();
  Napi::Value skip = obj.Get("skipBlocks");
  if (skip.IsArray()) {
    Napi::Array a = skip.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); i++) o.skip_blocks.insert(a.Get(i).As<Napi::Number>().Int32Value());
  } else if (!skip.IsUndefined()) {
    throw lk::ArgError("Model run options `skipBlocks`: expected an array of block indices, received " + describe(skip));
  }
  o.record_blocks = obj.Get("recordBlocks").ToBoolean().Value();
  o.record_attention = obj.Get("recordAttention").ToBoolean().Value();
  o.features_only = obj.Get("featuresOnly").ToBoolean().Value();
  return o;
}

class RunWorker : public Napi::AsyncWorker {
 public:
  RunWorker(Napi::Env env, Model* m, Napi::Object self, lk::Tensor x, Napi::Object x_js, lk::nn::RunOptions opts,
            std::unique_ptr<lk::nn::GradRequest> grad)
      : Napi::AsyncWorker(env, "lkrobust:model"), model_(m), x_(std::move(x)), opts_(std::move(opts)),
        grad_(std::move(grad)), deferred_(Napi::Promise::Deferred::New(env)) {
    self_ = Napi::Persistent(self);
    x_ref_ = Napi::Persistent(x_js);
    model_->running++;
  }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      lk::run_on_engine_thread([&] {
        result_ = lk::nn::run_model(model_->model(), x_, opts_, grad_.get());
        // Results come to the host here, on the thread (and stream) that computed them.
        const lk::Device host = lk::cpu_device();
        result_.logits = result_.logits.to(host);
        if (result_.input_grad.defined()) result_.input_grad = result_.input_grad.to(host);
        if (result_.attention.defined()) result_.attention = result_.attention.to(host);
      });
    } catch (const std::exception& e) {
      err_ = classify(e);
      SetError(err_.message);
    }
  }
  void OnOK() override {
    model_->running--;
    Napi::Env env = Env();
    Napi::Object o = Napi::Object::New(env);
    std::vector<lk::Tensor> inputs{x_};
    o.Set("logits", tensor_to_js(env, result_.logits, inputs));
    if (result_.input_grad.defined()) o.Set("grad", tensor_to_js(env, result_.input_grad, inputs));
    if (opts_.record_blocks) o.Set("records", records_to_js(env, result_.records));
    if (result_.attention.defined()) o.Set("attention", tensor_to_js(env, result_.attention, inputs));
    deferred_.Resolve(o);
  }
  void OnError(const Napi::Error&) override {
    model_->running--;
    deferred_.Reject(to_js_error(Env(), err_).Value());
  }

 private:
  Model* model_;
  Napi::ObjectReference self_, x_ref_;
  lk::Tensor x_;
  lk::nn::RunOptions opts_;
  std::unique_ptr<lk::nn::GradRequest> grad_;
  lk::nn::RunResult result_;
  Napi::Promise::Deferred deferred_;
  CaughtError err_;
};

Napi::Value Model::Forward(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    if (!model_) throw lk::ArgError("Model was not constructed");
    lk::Tensor x = tensor_from_js(info.Length() ? info[0] : env.Undefined(), "Model.forward x");
    if (!x.defined()) throw lk::ArgError("Model.forward: expected an input tensor");
    auto* w = new RunWorker(env, this, Value(), x, info[0].As<Napi::Object>(), run_options(info.Length() > 1 ? info[1] : env.Undefined()), nullptr);
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  } catch (const std::exception& e) {
    return rejected(env, e);
  }
}

Napi::Value Model::InputGradient(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    if (!model_) throw lk::ArgError("Model was not constructed");
    lk::Tensor x = tensor_from_js(info.Length() ? info[0] : env.Undefined(), "Model.inputGradient x");
    if (!x.defined()) throw lk::ArgError("Model.inputGradient: expected an input tensor");
    auto grad = std::make_unique<lk::nn::GradRequest>();
    Napi::Value target = info.Length() > 1 ? info[1] : env.Undefined();
    if (!target.IsObject()) throw lk::ArgError("Model.inputGradient: expected { labels } or { dlogits }, received " + describe(target));
    Napi::Object t = target.As<Napi::Object>();
    Napi::Object pins = Napi::Object::New(env);
    pins.Set("x", info[0]);
    if (!t.Get("dlogits").IsUndefined()) {
      grad->dlogits = tensor_from_js(t.Get("dlogits"), "Model.inputGradient dlogits");
      pins.Set("dlogits", t.Get("dlogits"));
    } else {
      Attrs a(env, target, "Model.inputGradient");
      grad->labels = a.ints("labels");
      if (static_cast<int64_t>(grad->labels.size()) != x.dim(0))
        throw lk::ArgError("Model.inputGradient: expected " + std::to_string(x.dim(0)) + " labels, received " +
                           std::to_string(grad->labels.size()));
      grad->loss = a.s("loss", "ce");
      if (grad->loss == "dlr-targeted") {
        grad->targets = a.ints("targets");
        if (static_cast<int64_t>(grad->targets.size()) != x.dim(0))
          throw lk::ArgError("Model.inputGradient: expected " + std::to_string(x.dim(0)) + " targets, received " +
                             std::to_string(grad->targets.size()));
      }
    }
    auto* w = new RunWorker(env, this, Value(), x, pins, run_options(info.Length() > 2 ? info[2] : env.Undefined()), std::move(grad));
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  } catch (const std::exception& e) {
    return rejected(env, e);
  }
}

// trainBatch(x, { labels, labelSmoothing, bnMomentum, dropPath, seed, training, returnGrads }): one forward
// in training mode and its backward; the gradients are added to the pending ones (gradient accumulation) and,
// with returnGrads, handed back by key. Resolves { loss, correct, logits, grads? }.
class TrainWorker : public Napi::AsyncWorker {
 public:
  TrainWorker(Napi::Env env, Model* m, Napi::Object self, lk::Tensor x, Napi::Object x_js, lk::nn::TrainStepOptions o,
              bool return_grads)
      : Napi::AsyncWorker(env, "lkrobust:train"), model_(m), x_(std::move(x)), opts_(std::move(o)),
        return_grads_(return_grads), deferred_(Napi::Promise::Deferred::New(env)) {
    self_ = Napi::Persistent(self);
    x_ref_ = Napi::Persistent(x_js);
    model_->running++;
  }
  Napi::Promise promise() { return deferred_.Promise(); }
  void Execute() override {
    try {
      lk::run_on_engine_thread([&] {
        result_ = model_->trainer().accumulate(model_->model(), x_, opts_);
        if (return_grads_)
          for (auto& [k, g] : result_.grads) g = g.to(lk::cpu_device());
      });
    } catch (const std::exception& e) {
      err_ = classify(e);
      SetError(err_.message);
    }
  }
  void OnOK() override {
    model_->running--;
    Napi::Env env = Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("loss", result_.loss);
    o.Set("correct", result_.correct);
    o.Set("logits", tensor_to_js(env, result_.logits, {x_}));
    if (return_grads_) {
      Napi::Object g = Napi::Object::New(env);
      for (const auto& [k, v] : result_.grads) g.Set(k, tensor_to_js(env, v.clone(), {}));
      o.Set("grads", g);
    }
    deferred_.Resolve(o);
  }
  void OnError(const Napi::Error&) override {
    model_->running--;
    deferred_.Reject(to_js_error(Env(), err_).Value());
  }

 private:
  Model* model_;
  Napi::ObjectReference self_, x_ref_;
  lk::Tensor x_;
  lk::nn::TrainStepOptions opts_;
  bool return_grads_;
  lk::nn::TrainStepResult result_;
  Napi::Promise::Deferred deferred_;
  CaughtError err_;
};

Napi::Value Model::TrainBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    if (!model_) throw lk::ArgError("Model was not constructed");
    trainer();
    require_idle("trainBatch");
    lk::Tensor x = tensor_from_js(info.Length() ? info[0] : env.Undefined(), "Model.trainBatch x");
    if (!x.defined()) throw lk::ArgError("Model.trainBatch: expected an input tensor");
    Napi::Value ov = info.Length() > 1 ? info[1] : env.Undefined();
    if (!ov.IsObject()) throw lk::ArgError("Model.trainBatch: expected { labels, ... }, received " + describe(ov));
    Attrs a(env, ov, "Model.trainBatch");
    lk::nn::TrainStepOptions o;
    o.labels = a.ints("labels");
    if (static_cast<int64_t>(o.labels.size()) != x.dim(0))
      throw lk::ArgError("Model.trainBatch: expected " + std::to_string(x.dim(0)) + " labels, received " +
                         std::to_string(o.labels.size()));
    o.label_smoothing = a.f("labelSmoothing", 0.f);
    o.bn_momentum = a.f("bnMomentum", 0.1f);
    o.drop_path_rate = a.f("dropPath", 0.f);
    o.seed = static_cast<uint64_t>(static_cast<uint32_t>(a.i("seed", 0)));
    o.training = a.b("training", true);
    auto* w = new TrainWorker(env, this, Value(), x, info[0].As<Napi::Object>(), std::move(o), a.b("returnGrads", false));
    Napi::Promise p = w->promise();
    w->Queue();
    return p;
  } catch (const std::exception& e) {
    return rejected(env, e);
  }
}

Napi::Value ModelFamilies(const Napi::CallbackInfo& info) {
  auto fams = lk::nn::model_families();
  Napi::Array a = Napi::Array::New(info.Env(), fams.size());
  for (size_t i = 0; i < fams.size(); i++) a.Set(static_cast<uint32_t>(i), fams[i]);
  return a;
}

}  // namespace

void register_model(Napi::Env env, Napi::Object exports) {
  exports.Set("Model", Model::Define(env));
  exports.Set("modelFamilies", Napi::Function::New(env, ModelFamilies, "modelFamilies"));
}

}  // namespace lkb
