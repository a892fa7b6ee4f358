// haproxy.cfg → sections of directives, each with its line number.
import { TokenizeError, tokenizeLine } from './tokenize.js';

export type ProxyKind = 'defaults' | 'frontend' | 'backend' | 'listen';
export type SectionKind = 'global' | ProxyKind | 'other';

export interface Directive {
  line: number;
  /** Unescaped words; words[0] is the keyword. */
  words: string[];
  /** The original line without its comment, trimmed. */
  text: string;
  envVars: string[];
}

export interface Section {
  kind: SectionKind;
  /** The section keyword as written (e.g. "userlist" for kind other). */
  keyword: string;
  /** Proxy or section name; '' when the section has none (global, anonymous defaults). */
  name: string;
  /** Words after the name (e.g. the address of an old-style "listen NAME ADDR:PORT"). */
  args: string[];
  /** "from NAME": the named defaults section a proxy inherits from. */
  from?: string;
  line: number;
  text: string;
  directives: Directive[];
}

export interface ParseError {
  line: number;
  message: string;
}

export interface ParsedConfig {
  sections: Section[];
  errors: ParseError[];
}

const PROXY_KINDS = new Set<string>(['defaults', 'frontend', 'backend', 'listen']);
/** Sections that hold no proxy: recognised so their lines are reported, not rejected. */
export const OTHER_SECTIONS = new Set<string>([
  'userlist',
  'peers',
  'resolvers',
  'mailers',
  'program',
  'http-errors',
  'ring',
  'cache',
  'fcgi-app',
  'log-forward',
  'crt-store',
  'traces',
  'acme',
  'dynamic-update',
  'namespace_list',
]);

export function parseConfig(text: string): ParsedConfig {
  const sections: Section[] = [];
  const errors: ParseError[] = [];
  const lines = text.split(/\r?\n/);
  let current: Section | undefined;
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    let tok;
    try {
      tok = tokenizeLine(raw);
    } catch (err) {
      if (!(err instanceof TokenizeError)) throw err;
      errors.push({ line, message: `${err.message} (column ${err.column})` });
      return;
    }
    if (tok.words.length === 0) return;
    const keyword = tok.words[0]!;
    if (keyword.startsWith('.')) {
      // .if/.elif/.else/.endif, .diag/.notice/.warning/.alert: conditional configuration.
      if (/^\.(if|elif|else|endif)$/.test(keyword)) {
        errors.push({
          line,
          message: `conditional block "${keyword}" is not supported by the importer: resolve it first (e.g. haproxy -c -dD, or edit the file)`,
        });
      } else if (!/^\.(diag|notice|warning|alert)$/.test(keyword)) {
        errors.push({ line, message: `unknown directive "${keyword}"` });
      }
      return;
    }
    if (keyword === 'global' || PROXY_KINDS.has(keyword) || OTHER_SECTIONS.has(keyword)) {
      const kind: SectionKind =
        keyword === 'global' ? 'global' : PROXY_KINDS.has(keyword) ? (keyword as ProxyKind) : 'other';
      const rest = tok.words.slice(1);
      let name = '';
      let args: string[] = [];
      let from: string | undefined;
      if (kind === 'global') {
        if (rest.length > 0) errors.push({ line, message: `"global" takes no argument` });
      } else {
        if (kind === 'defaults' && rest[0] === 'from') {
          // "defaults from NAME" (anonymous, inheriting)
          from = rest[1];
        } else {
          name = rest[0] ?? '';
          args = rest.slice(1);
        }
        const fromAt = args.indexOf('from');
        if (fromAt >= 0) {
          from = args[fromAt + 1];
          if (from === undefined)
            errors.push({ line, message: `"from" needs the name of a defaults section` });
          args = [...args.slice(0, fromAt), ...args.slice(fromAt + 2)];
        }
        if (name === '' && (kind === 'frontend' || kind === 'backend' || kind === 'listen')) {
          errors.push({ line, message: `"${keyword}" needs a name` });
        } else if (name !== '' && !/^[A-Za-z0-9_.:-]+$/.test(name)) {
          errors.push({
            line,
            message: `invalid character in ${keyword} name "${name}": only letters, digits, '-', '_', '.' and ':' are allowed`,
          });
        }
        if (args.length > 0 && kind !== 'listen' && kind !== 'other') {
          errors.push({ line, message: `unexpected argument "${args[0]}" after the ${keyword} name` });
        }
      }
      current = {
        kind,
        keyword,
        name,
        args,
        line,
        text: tok.text,
        directives: [],
        ...(from !== undefined ? { from } : {}),
      };
      sections.push(current);
      return;
    }
    if (!current) {
      errors.push({
        line,
        message: `"${keyword}" appears before any section (global, defaults, frontend, backend or listen)`,
      });
      return;
    }
    current.directives.push({ line, words: tok.words, text: tok.text, envVars: tok.envVars });
  });
  return { sections, errors };
}
