// Category → agencies, from routing.json (a table the command centre edits; no code change needed).
import routing from './routing.json' with { type: 'json' };
import type { Agency, Category } from './model.ts';

const table = routing as unknown as {
  agencies: Record<string, { name: string; phone: string | null }>;
  routes: Record<string, string[]>;
};

/** The agencies an incident of this category goes to, lead agency first. Unknown ids fall back to the centre. */
export function agenciesFor(category: Category): Agency[] {
  const ids = table.routes[category] ?? table.routes.lainnya ?? [];
  return ids.map((id) => ({ id, name: table.agencies[id]?.name ?? id, phone: table.agencies[id]?.phone ?? null }));
}
