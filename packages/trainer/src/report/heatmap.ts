import { escapeHtml } from './escape.js';

function heatColor(v: number): string {
  // dark blue -> yellow
  const t = Math.max(0, Math.min(1, v));
  const r = Math.round(30 + 225 * t);
  const g = Math.round(30 + 200 * t);
  const b = Math.round(120 - 100 * t);
  return `rgb(${r},${g},${b})`;
}

/**
 * An attention map (values over an H x W grid) drawn over the image (when given) as translucent cells. The image is
 * a data URI or `#id` of an `<image>` defined once in the page (`imageDefinition`), so that many maps over one image
 * do not repeat its bytes.
 */
export function attentionOverlay(
  map: number[][],
  imageUri: string | undefined,
  label: string,
  width = 180,
  height = 120,
): string {
  const h = map.length;
  const w = map[0]?.length ?? 0;
  const max = Math.max(1e-12, ...map.flat());
  const cw = width / Math.max(1, w);
  const ch = height / Math.max(1, h);
  const cells: string[] = [];
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = map[y][x] / max;
      cells.push(
        imageUri
          ? `<rect x="${(x * cw).toFixed(2)}" y="${(y * ch).toFixed(2)}" width="${cw.toFixed(2)}" height="${ch.toFixed(2)}" fill="black" fill-opacity="${(0.85 * (1 - v)).toFixed(3)}"/>`
          : `<rect x="${(x * cw).toFixed(2)}" y="${(y * ch).toFixed(2)}" width="${cw.toFixed(2)}" height="${ch.toFixed(2)}" fill="${heatColor(v)}"/>`,
      );
    }
  }
  const image = !imageUri
    ? ''
    : imageUri.startsWith('#')
      ? `<use href="${imageUri}"/>`
      : `<image href="${imageUri}" x="0" y="0" width="${width}" height="${height}" preserveAspectRatio="none"/>`;
  return `<figure class="attention"><svg class="attention-map" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">${image}${cells.join('')}</svg><figcaption>${escapeHtml(label)}</figcaption></figure>`;
}

/** A matrix heatmap (rows x columns) with labels, e.g. memory addressing per program step. */
export function matrixHeatmap(
  matrix: number[][],
  rowLabels: string[],
  colLabels: string[],
  title: string,
): string {
  const rows = matrix.length;
  const cols = matrix[0]?.length ?? 0;
  const cell = 14;
  const left = 60;
  const top = 90;
  const width = left + cols * cell + 10;
  const height = top + rows * cell + 10;
  const max = Math.max(1e-12, ...matrix.flat());
  const parts: string[] = [
    `<svg class="addressing-map" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="${escapeHtml(title)}">`,
  ];
  for (let c = 0; c < cols; c++) {
    const x = left + c * cell + cell / 2;
    parts.push(
      `<text transform="translate(${x + 3} ${top - 4}) rotate(-60)" class="tick small">${escapeHtml(colLabels[c] ?? String(c))}</text>`,
    );
  }
  for (let r = 0; r < rows; r++) {
    parts.push(
      `<text x="${left - 4}" y="${top + r * cell + cell - 3}" text-anchor="end" class="tick small">${escapeHtml(rowLabels[r] ?? String(r))}</text>`,
    );
    for (let c = 0; c < cols; c++) {
      parts.push(
        `<rect x="${left + c * cell}" y="${top + r * cell}" width="${cell - 1}" height="${cell - 1}" fill="${heatColor(matrix[r][c] / max)}"><title>${escapeHtml(`${rowLabels[r] ?? r} / ${colLabels[c] ?? c}: ${matrix[r][c].toFixed(3)}`)}</title></rect>`,
      );
    }
  }
  parts.push('</svg>');
  return `<figure class="addressing"><figcaption>${escapeHtml(title)}</figcaption>${parts.join('')}</figure>`;
}

/** A hidden SVG defining the image once as `<image id>` (180x120, as the overlays draw it) for `#id` references. */
export function imageDefinition(id: string, imageUri: string, width = 180, height = 120): string {
  return `<svg width="0" height="0" style="position:absolute" aria-hidden="true"><defs><image id="${id}" href="${imageUri}" x="0" y="0" width="${width}" height="${height}" preserveAspectRatio="none"/></defs></svg>`;
}
