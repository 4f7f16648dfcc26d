// How a layer says what a click on it means: its own `onPick` prop, read by the map shell's click handler
// (map.ts), so no code routes clicks by layer-id strings.
import type { PickingInfo } from '@deck.gl/core';

export interface Pickable<T> {
  /** Called with the picked object when the officer clicks it. */
  onPick?: (object: T, info: PickingInfo) => void;
}

/** The picked layer's own handler, if it has one and something was picked: true when the click was taken. */
export function dispatchPick(info: PickingInfo | null | undefined): boolean {
  const onPick = (info?.layer?.props as Pickable<unknown> | undefined)?.onPick;
  if (!onPick || !info?.object) return false;
  onPick(info.object, info);
  return true;
}
