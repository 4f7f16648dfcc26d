// What the server records about a dispatch's stages and the briefing reads back: one list for both.

/**
 * Who established a stage: AVL rules ('distance' = closing on the scene, 'station' = left its home station's geofence,
 * 'geofence' = stopped at the scene), the crew page, an operator; 'speed' only on rows recorded before the rules
 * existed (first fix above 5 km/h). Append only: the KPI projection stores a source as its position here (3 bits).
 */
export const STAGE_SOURCES = ['distance', 'geofence', 'crew', 'operator', 'speed', 'station'] as const;
export type StageSource = (typeof STAGE_SOURCES)[number];

/** Incident history event (note = agency id): no unit of that agency was free. The briefing counts it as such. */
export const NO_UNIT_EVENT = 'no_unit_available' as const;
