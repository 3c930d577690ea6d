# Depthwise conv test and bench targets (native/test/dwconv_test.cpp, native/bench/dwconv_bench.cpp) against
# lkr_core, which already compiles native/cpu/dwconv*.cpp and native/bench/dwconv_bench_core.cpp.
# include(native/cpu/dwconv.cmake) after lkr_core exists. The plain-C++ branch of CMakeLists.txt may already
# define both targets from its *_test.cpp / *_bench.cpp globs; then this adds nothing.
if(NOT CMAKE_JS_VERSION)
  if(NOT TARGET lkr-dwconv-test)
    add_executable(lkr-dwconv-test ${CMAKE_CURRENT_LIST_DIR}/../test/dwconv_test.cpp)
    target_link_libraries(lkr-dwconv-test PRIVATE lkr_core)
    if(COMMAND add_test)
      add_test(NAME dwconv COMMAND lkr-dwconv-test)
    endif()
  endif()
  if(NOT TARGET lkr-bench-dwconv)
    add_executable(lkr-bench-dwconv ${CMAKE_CURRENT_LIST_DIR}/../bench/dwconv_bench.cpp)
    target_link_libraries(lkr-bench-dwconv PRIVATE lkr_core)
  endif()
endif()
