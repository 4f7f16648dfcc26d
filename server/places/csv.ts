// Common places as CSV (RFC 4180), beside GeoJSON, for the centre's spreadsheets: one row per place, aliases joined
// by '|' in one cell. The import reads the sheet into the GeoJSON import's shape, so one zod schema
// (domain/places.ts placesImportSchema) and one "near the city" check (service.ts) judge both formats; a refusal is
// pointed back at the sheet: `rows.3.lat` (data rows from 0, as `features.3` in GeoJSON) and the line of the file.
// Reading is csv-parse's (strict quotes, BOM, CRLF, newlines inside quotes): hostile text is the input it is built
// for, and its errors name the line. Writing needs no library: every text cell quoted, quotes doubled.
// Formula injection: a text cell a spreadsheet would evaluate (it starts with = + - @, tab or CR, or with 's and
// then one of those) is written with a leading ' (OWASP's advice); the import takes exactly one such ' off, so
// export → import gives the same places. Numbers are written as numbers: the server wrote them, no one typed them.
import { CsvError, parse } from 'csv-parse/sync';
import { DomainError } from '../../domain/errors.ts';
import type { CommonPlaceRow } from '../../domain/places.ts';

/** The columns the import reads; name, lat and lon are required. `nama` is read as `name`, as in GeoJSON. */
export const CSV_COLUMNS = ['name', 'aliases', 'lat', 'lon', 'radius_m', 'source'] as const;
/** Written by the export for people, ignored by the import (the server sets them). */
export const CSV_INFO_COLUMNS = ['id', 'created_by', 'created_at'] as const;
type Column = (typeof CSV_COLUMNS)[number];
const REQUIRED: Column[] = ['name', 'lat', 'lon'];
const ALIAS_SEPARATOR = '|';

const FORMULA = /^'*[=+\-@\t\r]/;
/** A text cell as written: a leading ' where a spreadsheet would see a formula. */
export const guardCell = (s: string): string => (FORMULA.test(s) ? `'${s}` : s);
/** The inverse of guardCell. */
export const unguardCell = (s: string): string => (/^'+[=+\-@\t\r]/.test(s) ? s.slice(1) : s);

const quote = (s: string) => `"${guardCell(s).replace(/"/g, '""')}"`;

/** Every place as one CSV document: UTF-8 with a BOM (spreadsheets then read it as UTF-8), CRLF, a header row. */
export function writePlacesCsv(places: CommonPlaceRow[]): string {
  const head = [...CSV_COLUMNS, ...CSV_INFO_COLUMNS].join(',');
  const rows = places.map((p) =>
    [
      quote(p.name), quote(p.aliases.join(ALIAS_SEPARATOR)), String(p.lat), String(p.lon), String(p.radiusM), quote(p.source),
      quote(p.id), quote(p.createdBy), quote(p.createdAt),
    ].join(','),
  );
  return `\uFEFF${[head, ...rows].join('\r\n')}\r\n`;
}

/** An issue as zod reports it, its path in the GeoJSON import's shape. */
type Issue = { path: ReadonlyArray<PropertyKey>; message: string };

export interface PlacesSheet {
  /** The sheet in the GeoJSON import's shape, not yet validated. */
  collection: { type: 'FeatureCollection'; features: unknown[] };
  /** An issue on `collection` as the 400 the client gets, naming the row, column and line. */
  blame(issues: ReadonlyArray<Issue>): DomainError;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
/** Empty → absent; a number as a number; anything else stays text, for the schema to refuse by name. */
const numberCell = (s: string): number | string | undefined => (s.trim() === '' ? undefined : NUMBER.test(s.trim()) ? Number(s) : s);
const textCell = (s: string): string | undefined => (s.trim() === '' ? undefined : s);

/** CSV text → the import's shape, or a 400 naming where the text is broken (quotes, row lengths, columns). */
export function readPlacesCsv(text: string): PlacesSheet {
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    // with `info`, each record comes with where it was read (the typings do not model the option)
    records = parse(text, { bom: true, info: true, skip_empty_lines: true, skip_records_with_empty_values: true }) as unknown as typeof records;
  } catch (err) {
    if (!(err instanceof CsvError)) throw err;
    const row = Number(err.records ?? 0) - 1; // records read before it, the header included
    const field = row >= 0 ? `rows.${row}` : 'columns';
    const line = Number(err.lines ?? 0) || null;
    throw new DomainError('invalid_field', field, `${field}: ${err.message}`, { ...(row >= 0 ? { row } : {}), line, csv: err.code });
  }
  const [header, ...body] = records;
  const columns = (header?.record ?? []).map((c) => unguardCell(c).trim().toLowerCase());
  const headerLine = header?.info.lines ?? 1;
  const at = new Map<Column, number>();
  const known = `the columns are ${CSV_COLUMNS.join(', ')} (${CSV_INFO_COLUMNS.join(', ')} are ignored), separated by commas`;
  const badHeader = (why: string, detail: Record<string, unknown> = {}) =>
    new DomainError('invalid_field', 'columns', `columns (line ${headerLine}): ${why}`, { line: headerLine, ...detail });
  columns.forEach((c, i) => {
    const col = (c === 'nama' ? 'name' : c) as Column;
    if ((CSV_INFO_COLUMNS as readonly string[]).includes(c)) return;
    if (!CSV_COLUMNS.includes(col)) throw badHeader(`unknown column "${c.slice(0, 40)}"; ${known}`, { column: i });
    if (at.has(col)) throw badHeader(`"${c}" appears twice`, { column: i });
    at.set(col, i);
  });
  const missing = REQUIRED.filter((c) => !at.has(c));
  if (missing.length) throw badHeader(`missing ${missing.join(', ')}; ${known}`);
  /** A record's first line (csv-parse counts to its last: quoted newlines lie between). */
  const firstLine = ({ record, info }: (typeof records)[number]) => info.lines - record.reduce((n, c) => n + (c.match(/\n/g)?.length ?? 0), 0);
  const lines = body.map(firstLine);

  const features = body.map(({ record }) => {
    const cell = (c: Column) => (at.has(c) ? unguardCell(record[at.get(c)!]) : '');
    const aliases = textCell(cell('aliases'));
    return {
      type: 'Feature',
      geometry: { type: 'Point', coordinates: [numberCell(cell('lon')), numberCell(cell('lat'))] },
      properties: {
        name: textCell(cell('name')), aliases: aliases?.split(ALIAS_SEPARATOR), radiusM: numberCell(cell('radius_m')), source: textCell(cell('source')),
      },
    };
  });

  const nameColumn = columns[at.get('name')!];
  const columnOf = (inFeature: ReadonlyArray<PropertyKey>): string | null => {
    const [part, key, index] = inFeature;
    if (part === 'geometry') return index === 0 ? 'lon' : 'lat';
    if (part !== 'properties') return null;
    return ({ name: nameColumn, nama: nameColumn, aliases: 'aliases', radiusM: 'radius_m', source: 'source' } as Record<string, string>)[String(key)] ?? null;
  };
  return {
    collection: { type: 'FeatureCollection', features },
    blame(issues) {
      const { path, message } = issues[0] ?? { path: [], message: 'invalid' };
      if (path[0] !== 'features') return new DomainError('invalid_field', 'body', `CSV: ${message}`);
      if (typeof path[1] !== 'number') {
        const why = body.length ? message : 'no place in the sheet (a header row, then one row per place)';
        return new DomainError('invalid_field', 'rows', `rows: ${why}`);
      }
      const row = path[1];
      const column = columnOf(path.slice(2));
      const field = column ? `rows.${row}.${column}` : `rows.${row}`;
      return new DomainError('invalid_field', field, `${field} (line ${lines[row]}): ${message}`, { row, line: lines[row], ...(column ? { column } : {}) });
    },
  };
}
