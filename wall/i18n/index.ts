// Tiny i18n: Bahasa Indonesia by default, English by toggle (?lang=en or the status-bar button; remembered).
import { en } from './en.ts';
import { id, type Dict } from './id.ts';

export type Lang = 'id' | 'en';
const dicts: Record<Lang, Dict> = { id, en };
const listeners = new Set<() => void>();

function initialLang(): Lang {
  const q = new URLSearchParams(location.search).get('lang');
  if (q === 'en' || q === 'id') return q;
  return localStorage.getItem('siaga.lang') === 'en' ? 'en' : 'id';
}

let lang: Lang = initialLang();

export function t(key: keyof Dict): string {
  return dicts[lang][key];
}
/** t() with its `{name}` placeholders filled. */
export function tf(key: keyof Dict, vars: Record<string, string | number>): string {
  return t(key).replace(/\{(\w+)\}/g, (m, k: string) => (k in vars ? String(vars[k]) : m));
}
type TermKind = 'category' | 'status' | 'agency' | 'event' | 'source' | 'window' | 'intake' | 'placeAudit';
/** A code from the server (category, status, agency id, history event, source, intake-log or place-audit action) in
 * the current language; an unknown code (a newer server) shows as itself rather than in the wrong language. */
export function term(kind: TermKind, code: string | null | undefined): string {
  if (!code) return '—';
  const v = (dicts[lang] as Record<string, string>)[`${kind}.${code}`];
  return v ?? code.replace(/_/g, ' ');
}
export function currentLang(): Lang {
  return lang;
}
export function setLang(next: Lang): void {
  lang = next;
  localStorage.setItem('siaga.lang', next);
  document.documentElement.lang = next;
  for (const fn of listeners) fn();
}
export function onLangChange(fn: () => void): () => void {
  listeners.add(fn);
  return () => listeners.delete(fn);
}
/** Date/time formatting in the wall's time zone (WIB), in the chosen language. */
export function fmtTime(iso: string | number | undefined, withDate = false): string {
  if (iso === undefined) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return timeFormat(lang, withDate).format(d);
}
// toLocaleString builds a new Intl formatter on every call; the ticker and panels format many times a second.
const formats = new Map<string, Intl.DateTimeFormat>();
function timeFormat(language: string, withDate: boolean): Intl.DateTimeFormat {
  const key = `${language}|${withDate}`;
  let f = formats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(language === 'id' ? 'id-ID' : 'en-GB', {
      timeZone: 'Asia/Jakarta',
      hour: '2-digit',
      minute: '2-digit',
      second: withDate ? undefined : '2-digit',
      day: withDate ? '2-digit' : undefined,
      month: withDate ? 'short' : undefined,
    });
    formats.set(key, f);
  }
  return f;
}
