// One schema change. Its own file so db.ts (which applies them) and the lists (which db.ts imports) share it
// without importing each other.
export interface Migration {
  /** Sorts the migrations: '100-…' incidents/auth, '200-…' units. Never renumber an applied one. */
  id: string;
  sql: string;
}
