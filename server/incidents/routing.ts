// Category → agencies, from the site's routing table (server/site/routing.json, validated at start-up).
import type { RoutingTable } from '../site/tables.ts';
import type { Agency, Category } from './model.ts';

/** The agencies an incident of this category goes to, lead agency first; an unlisted category goes where 'lainnya' does. */
export function routingFor(table: RoutingTable): (category: Category) => Agency[] {
  return (category) =>
    (table.routes[category] ?? table.routes.lainnya ?? []).map((id) => ({ id, name: table.agencies[id].name, phone: table.agencies[id].phone }));
}
