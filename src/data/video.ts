// The released ImageNet-P videos (.mp4, H.264) decoded to RGB frames with the ffmpeg command-line tool, as
// scikit-video's vread drives it: ffprobe for the frame size, then `ffmpeg -i FILE -f image2pipe -pix_fmt rgb24
// -vcodec rawvideo -` read as whole 8-bit RGB frames. (hendrycks' test.py reads the same files with OpenCV,
// whose FFmpeg backend makes the same libavcodec decode and a swscale conversion to 24-bit colour.)
// ffmpeg is a run-time dependency of this layout only: Debian's `ffmpeg` package (scripts/install-system-deps.sh);
// LKR_FFMPEG / LKR_FFPROBE name other binaries.
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export class FfmpegMissingError extends Error {
  readonly code = 'LKR_FFMPEG';
  constructor(what: string) {
    super(
      `${what}: reading ImageNet-P .mp4 videos needs ffmpeg and ffprobe (Debian/Ubuntu: apt-get install ffmpeg, ` +
        'or scripts/install-system-deps.sh; LKR_FFMPEG / LKR_FFPROBE name other binaries), or decode the videos to ' +
        'frame folders <perturbation>/<wnid>/<stem>/<frame>.png beforehand',
    );
    this.name = 'FfmpegMissingError';
  }
}

export class VideoDecodeError extends Error {
  readonly code = 'LKR_VIDEO';
  constructor(
    readonly file: string,
    why: string,
  ) {
    super(`${file}: cannot decode video: ${why}`);
    this.name = 'VideoDecodeError';
  }
}

export interface FfmpegTools {
  ffmpeg: string;
  ffprobe: string;
}

const checked = new Map<string, FfmpegTools | null>();

/** The ffmpeg and ffprobe binaries ($LKR_FFMPEG / $LKR_FFPROBE, else on PATH), or null when either is absent. */
export function ffmpegTools(): FfmpegTools | null {
  const ffmpeg = process.env.LKR_FFMPEG || 'ffmpeg';
  const ffprobe = process.env.LKR_FFPROBE || 'ffprobe';
  const key = `${ffmpeg}\0${ffprobe}`;
  if (!checked.has(key)) {
    const works = (bin: string) => spawnSync(bin, ['-version'], { stdio: 'ignore' }).status === 0;
    checked.set(key, works(ffmpeg) && works(ffprobe) ? { ffmpeg, ffprobe } : null);
  }
  return checked.get(key)!;
}

/** The tools, or a named error saying which package provides them. */
export function requireFfmpeg(what: string): FfmpegTools {
  const t = ffmpegTools();
  if (!t) throw new FfmpegMissingError(what);
  return t;
}

export interface DecodedVideo {
  width: number;
  height: number;
  /** One packed RGB (height × width × 3) buffer per frame, in order. */
  frames: Buffer[];
}

function lastLines(s: string, n = 3): string {
  return s.trim().split('\n').slice(-n).join(' | ') || 'no message';
}

/**
 * Every frame of a video as 8-bit RGB. `expectedFrames`, when given, is checked: a video with another count
 * (a truncated or damaged file often decodes to fewer frames without an error) is a VideoDecodeError.
 */
export async function decodeVideo(file: string, expectedFrames?: number): Promise<DecodedVideo> {
  const t = requireFfmpeg(file);
  let width: number;
  let height: number;
  try {
    const probe = await run(t.ffprobe, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file]);
    [width, height] = probe.stdout.trim().split(',').map(Number);
  } catch (e) {
    throw new VideoDecodeError(file, `ffprobe: ${lastLines((e as { stderr?: string }).stderr ?? (e as Error).message)}`);
  }
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) throw new VideoDecodeError(file, 'no video stream with a frame size');
  let out: Buffer;
  try {
    const r = await run(t.ffmpeg, ['-nostdin', '-v', 'error', '-i', file, '-f', 'image2pipe', '-pix_fmt', 'rgb24', '-vcodec', 'rawvideo', '-'], {
      encoding: 'buffer',
      maxBuffer: 1 << 30,
    });
    out = r.stdout;
    const warn = r.stderr.toString();
    // ffmpeg exits 0 on some damaged streams but reports the damage: treat it as a broken video.
    if (/invalid|error|corrupt|truncat|partial file/i.test(warn)) throw new VideoDecodeError(file, `ffmpeg: ${lastLines(warn)}`);
  } catch (e) {
    if (e instanceof VideoDecodeError) throw e;
    const err = (e as { stderr?: Buffer }).stderr;
    throw new VideoDecodeError(file, `ffmpeg: ${lastLines(err ? err.toString() : (e as Error).message)}`);
  }
  const per = width * height * 3;
  if (out.length % per !== 0) throw new VideoDecodeError(file, `decoded ${out.length} bytes, not a whole number of ${width}×${height} RGB frames`);
  const n = out.length / per;
  if (n === 0) throw new VideoDecodeError(file, 'no frames');
  if (expectedFrames !== undefined && n !== expectedFrames) throw new VideoDecodeError(file, `has ${n} frames, expected ${expectedFrames}`);
  return { width, height, frames: Array.from({ length: n }, (_, k) => out.subarray(k * per, (k + 1) * per)) };
}
