// Is this page drawn by a software rasteriser (SwiftShader, llvmpipe: a wall PC without a usable GPU)? Then every
// map frame costs the main thread hundreds of ms, and the map must draw less often so the video tiles keep theirs.
let cached: boolean | undefined;

export function softwareRenderer(): boolean {
  if (cached !== undefined) return cached;
  try {
    const gl = document.createElement('canvas').getContext('webgl2') ?? document.createElement('canvas').getContext('webgl');
    const info = gl?.getExtension('WEBGL_debug_renderer_info');
    const renderer = String(gl && info ? gl.getParameter(info.UNMASKED_RENDERER_WEBGL) : gl?.getParameter(gl.RENDERER) ?? '');
    gl?.getExtension('WEBGL_lose_context')?.loseContext();
    cached = /swiftshader|llvmpipe|softpipe|software|basic render/i.test(renderer);
  } catch {
    cached = false;
  }
  return cached;
}

/** Hover highlights redraw the map each time the pointer enters or leaves a marker. On a software renderer that is a
 * 300–500 ms main-thread freeze, and the officer's click arrives in the middle of it (bench:wall: the redraw started
 * by the pointer reaching the incident was the first thing the click's video waited on). The pointer cursor stays. */
export function hoverHighlight(): boolean {
  return !softwareRenderer();
}
