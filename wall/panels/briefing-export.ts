// One-click export of the current briefing: a 1920×1080 PNG composed on a canvas (title + period + map + charts +
// headline figures), and "PDF" as the browser's print of that same image (print stylesheet shows only it) — no
// library, works offline.

export interface ExportParts {
  title: string;
  period: string;
  cursor: string;
  mapCanvases: HTMLCanvasElement[];
  charts: Array<{ title: string; canvas: HTMLCanvasElement | null }>;
  /** Headline lines ("Kejadian: 1.234", …). */
  lines: string[];
}

const W = 1920;
const H = 1080;

function fit(src: HTMLCanvasElement, x: number, y: number, w: number, h: number, ctx: CanvasRenderingContext2D): void {
  if (!src.width || !src.height) return;
  const s = Math.min(w / src.width, h / src.height);
  const dw = src.width * s;
  const dh = src.height * s;
  ctx.drawImage(src, x + (w - dw) / 2, y + (h - dh) / 2, dw, dh);
}

export function composeBriefing(p: ExportParts): HTMLCanvasElement {
  const c = document.createElement('canvas');
  c.width = W;
  c.height = H;
  const ctx = c.getContext('2d')!;
  ctx.fillStyle = '#03070e';
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = '#e8f0ff';
  ctx.font = 'bold 34px "DejaVu Sans", Arial, sans-serif';
  ctx.fillText(p.title, 32, 52);
  ctx.font = '24px "DejaVu Sans", Arial, sans-serif';
  ctx.fillStyle = '#9fb3d1';
  ctx.fillText(`${p.period}   ·   ${p.cursor}`, 32, 90);
  // map: basemap canvas first, deck on top (same size in overlaid mode)
  const mapBox = { x: 32, y: 110, w: 1180, h: 940 };
  ctx.strokeStyle = '#1f2d45';
  ctx.strokeRect(mapBox.x, mapBox.y, mapBox.w, mapBox.h);
  for (const m of p.mapCanvases) fit(m, mapBox.x, mapBox.y, mapBox.w, mapBox.h, ctx);
  // right column: figures, then charts
  let y = 140;
  ctx.fillStyle = '#e8f0ff';
  ctx.font = '24px "DejaVu Sans", Arial, sans-serif';
  for (const line of p.lines) {
    ctx.fillText(line, 1240, y);
    y += 34;
  }
  const chartH = Math.max(120, Math.floor((H - y - 40) / Math.max(1, p.charts.length)) - 40);
  for (const ch of p.charts) {
    ctx.fillStyle = '#9fb3d1';
    ctx.font = 'bold 22px "DejaVu Sans", Arial, sans-serif';
    ctx.fillText(ch.title, 1240, y + 26);
    if (ch.canvas) fit(ch.canvas, 1240, y + 36, 648, chartH, ctx);
    y += chartH + 50;
  }
  return c;
}

export function downloadPng(canvas: HTMLCanvasElement, filename: string): Promise<void> {
  return new Promise((resolve) =>
    canvas.toBlob((blob) => {
      if (blob) {
        const a = document.createElement('a');
        a.href = URL.createObjectURL(blob);
        a.download = filename;
        document.body.append(a);
        a.click();
        a.remove();
        setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
      }
      resolve();
    }, 'image/png'),
  );
}

/** Print (→ "Save as PDF") the composed image alone, landscape. */
export function printImage(canvas: HTMLCanvasElement): void {
  let holder = document.getElementById('briefing-print') as HTMLImageElement | null;
  if (!holder) {
    holder = document.createElement('img');
    holder.id = 'briefing-print';
    document.body.append(holder);
  }
  holder.src = canvas.toDataURL('image/png');
  holder.onload = () => window.print();
}
