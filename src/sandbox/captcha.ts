/**
 * A real PNG captcha (what Sophtron's test bank sends as CaptchaImage: base64 PNG, no data: prefix),
 * drawing the code with a 3×5 bitmap font so a person can read it in a UI.
 */
import { PNG } from 'pngjs';
import type { Rng } from './rng.js';

const FONT: Record<string, string[]> = {
  '0': ['111', '101', '101', '101', '111'],
  '1': ['010', '110', '010', '010', '111'],
  '2': ['111', '001', '111', '100', '111'],
  '3': ['111', '001', '111', '001', '111'],
  '4': ['101', '101', '111', '001', '001'],
  '5': ['111', '100', '111', '001', '111'],
  '6': ['111', '100', '111', '101', '111'],
  '7': ['111', '001', '010', '010', '010'],
  '8': ['111', '101', '111', '101', '111'],
  '9': ['111', '101', '111', '001', '111'],
};

const SCALE = 5;
const PAD = 6;

export function captchaCode(rng: Rng, length = 5): string {
  let code = '';
  for (let i = 0; i < length; i++) code += String(Math.floor(rng() * 10));
  return code;
}

/** Base64 PNG of `code` (digits only) with a little noise. */
export function captchaPng(code: string, rng: Rng): string {
  const glyphW = 3 * SCALE;
  const width = PAD * 2 + code.length * (glyphW + SCALE) - SCALE;
  const height = PAD * 2 + 5 * SCALE;
  const png = new PNG({ width, height });
  const set = (x: number, y: number, [r, g, b]: [number, number, number]) => {
    if (x < 0 || y < 0 || x >= width || y >= height) return;
    const i = (y * width + x) * 4;
    png.data[i] = r;
    png.data[i + 1] = g;
    png.data[i + 2] = b;
    png.data[i + 3] = 255;
  };
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) set(x, y, [245, 242, 230]);
  for (let n = 0; n < (width * height) / 12; n++)
    set(Math.floor(rng() * width), Math.floor(rng() * height), [180, 180, 200]);
  [...code].forEach((ch, k) => {
    const glyph = FONT[ch] ?? FONT['0']!;
    const x0 = PAD + k * (glyphW + SCALE);
    const y0 = PAD + Math.floor(rng() * 3) - 1;
    glyph.forEach((line, gy) =>
      [...line].forEach((bit, gx) => {
        if (bit !== '1') return;
        for (let dy = 0; dy < SCALE; dy++)
          for (let dx = 0; dx < SCALE; dx++) set(x0 + gx * SCALE + dx, y0 + gy * SCALE + dy, [30, 40, 90]);
      }),
    );
  });
  return PNG.sync.write(png).toString('base64');
}
