// A short two-tone chime (a new incident in the console's queue), synthesised with WebAudio: no audio file. Browsers
// keep audio off until the page gets a key or a click, so the context is made (or resumed) on the first one; a chime
// before that is skipped rather than queued, and the caller still counts it as announced.
let audio: AudioContext | null = null;

function unlock(): void {
  try {
    audio ??= new AudioContext();
    if (audio.state === 'suspended') void audio.resume().catch(() => undefined);
  } catch {
    audio = null; // no WebAudio (or refused): stay silent
  }
}

/** Listen for the first gesture that may start audio. Call once per page. */
export function armChime(): void {
  for (const type of ['keydown', 'pointerdown'] as const) window.addEventListener(type, unlock, { capture: true, once: true });
}

/** Two short sine tones, rising (880 → 1320 Hz), about 0.3 s. True when it could play. */
export function chime(): boolean {
  if (!audio || audio.state !== 'running') return false;
  const t0 = audio.currentTime + 0.01;
  [880, 1320].forEach((hz, k) => {
    const start = t0 + k * 0.15;
    const osc = audio!.createOscillator();
    const env = audio!.createGain();
    osc.type = 'sine';
    osc.frequency.value = hz;
    // a quick attack and an exponential decay: a click-free "ding" that does not mask speech on the radio
    env.gain.setValueAtTime(0.0001, start);
    env.gain.exponentialRampToValueAtTime(0.25, start + 0.015);
    env.gain.exponentialRampToValueAtTime(0.0001, start + 0.14);
    osc.connect(env).connect(audio!.destination);
    osc.start(start);
    osc.stop(start + 0.15);
  });
  return true;
}
