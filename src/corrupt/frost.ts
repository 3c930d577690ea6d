// Where frost's texture images come from: our procedural generator (the default; a documented substitute for
// the generator's six photographs, which lkrobust does not ship) or a folder of the user's own images.
import sharp from 'sharp';

import { IMAGE_EXTENSIONS, listDir } from '../data/imagefolder.js';
import { frostTextures, type RgbTexture } from '../native.js';
import { CorruptionArgError } from './params.js';

export interface FrostSource {
  /** What the manifest records: `procedural` or `files`. */
  kind: 'procedural' | 'files';
  /** One line for manifests and results. */
  describe: string;
  textures: RgbTexture[];
}

/** The generator's texture sizes (frost1..frost5, height x width); frost6 is never drawn. */
const PHOTO_SIZES: [number, number][] = [[600, 900], [315, 560], [315, 560], [350, 527], [495, 660]];
/** Procedural textures are a fixed asset, like the photographs: the same for every run and every --seed. */
export const FROST_TEXTURE_SEED = 0;

/** Five procedural textures, sized like the generator's photographs (scaled up for images above 224). */
export function proceduralFrost(size: number): FrostSource {
  const scale = Math.max(1, (1.1 * size) / 224);
  const textures = PHOTO_SIZES.map(([h, w], i) => {
    const [th, tw] = [Math.ceil(h * scale), Math.ceil(w * scale)];
    // One texture per call so each has its own index in the generator's stream.
    const t = frostTextures(FROST_TEXTURE_SEED * 16 + i, 1, th, tw)[0];
    return t;
  });
  return { kind: 'procedural', describe: `procedural (lkrobust substitute for the generator's frost photographs, texture seed ${FROST_TEXTURE_SEED})`, textures };
}

/**
 * The image files in `dir` as textures. A texture smaller than the images is scaled up (bicubic) to 1.1 times
 * what covers them, as imagecorruptions does.
 */
export async function frostFromDir(dir: string, size: number): Promise<FrostSource> {
  const expected = 'a folder of texture images (PNG/JPEG), e.g. frost1.png .. frost5.jpg';
  const files = listDir(dir, expected).filter((e) => !e.isDir && IMAGE_EXTENSIONS.includes(e.name.slice(e.name.lastIndexOf('.')).toLowerCase()));
  if (files.length === 0) throw new CorruptionArgError(`--frost-dir ${dir}: no image files; expected ${expected}`);
  const textures: RgbTexture[] = [];
  for (const f of files) {
    let img = sharp(f.path, { failOn: 'error' }).removeAlpha().toColourspace('srgb');
    const meta = await img.metadata().catch((e: Error) => {
      throw new CorruptionArgError(`--frost-dir: ${f.path} cannot be decoded (${e.message})`);
    });
    let [w, h] = [meta.width ?? 0, meta.height ?? 0];
    if (w < size || h < size) {
      const s = 1.1 * Math.max(size / w, size / h);
      [w, h] = [Math.ceil(w * s), Math.ceil(h * s)];
      img = img.resize(w, h, { fit: 'fill', kernel: 'cubic' });
    }
    const { data, info } = await img.raw().toBuffer({ resolveWithObject: true });
    textures.push({ width: info.width, height: info.height, data });
  }
  return { kind: 'files', describe: `files: ${dir} (${files.map((f) => f.name).join(', ')})`, textures };
}
