import { useEffect, useRef } from 'react';
import type { RgbaImage } from '../../../protocol/eval-dto';

/**
 * An RGBA image drawn at its own resolution (the worker never enlarges it) and scaled by CSS to fit `box` pixels,
 * with `image-rendering: pixelated` so small samples (MNIST 28×28) stay sharp.
 */
export function Thumbnail({ image, box, label }: { image: RgbaImage; box: number; label: string }) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const ctx = ref.current?.getContext('2d');
    if (!ctx) return;
    const data = new Uint8ClampedArray(image.data); // a copy: ImageData wants its own, exactly sized buffer
    ctx.putImageData(new ImageData(data, image.width, image.height), 0, 0);
  }, [image]);
  const scale = box / Math.max(image.width, image.height);
  return (
    <canvas
      ref={ref}
      className="thumb"
      width={image.width}
      height={image.height}
      role="img"
      aria-label={label}
      style={{ width: Math.round(image.width * scale), height: Math.round(image.height * scale) }}
    />
  );
}
