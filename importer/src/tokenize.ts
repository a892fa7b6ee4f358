// One haproxy.cfg line → words, with HAProxy's quoting rules (tools.c parse_line):
// - a space (outside quotes) separates words; '#' (outside quotes) starts a comment;
// - "weak quotes" keep spaces and still process backslash escapes; 'strong quotes' keep everything;
// - outside single quotes: \<space> \\ \# \' \" \t \n \r \xHH are escapes, any other backslash stays;
// - "$VAR" / "${VAR}" inside double quotes are environment variables: they are kept verbatim here
//   (the import must not depend on the importer's environment) and listed so the caller can report them.

export interface TokenizedLine {
  words: string[];
  /** The line without its comment, trimmed: what reports quote back to the operator. */
  text: string;
  /** Environment variables referenced inside double quotes (not expanded). */
  envVars: string[];
}

export class TokenizeError extends Error {
  constructor(
    message: string,
    readonly column: number,
  ) {
    super(message);
  }
}

const isSpace = (c: string) => c === ' ' || c === '\t' || c === '\v' || c === '\f';
const isHex = (c: string | undefined) => c !== undefined && /^[0-9a-fA-F]$/.test(c);

export function tokenizeLine(line: string): TokenizedLine {
  const words: string[] = [];
  const envVars: string[] = [];
  let cur = '';
  let inWord = false;
  let squote = false;
  let dquote = false;
  let quoteAt = -1;
  let end = line.length;
  let i = 0;
  while (i < line.length) {
    const c = line[i]!;
    if (c === '#' && !squote && !dquote) {
      end = i;
      break;
    }
    if (c === '"' && !squote) {
      dquote = !dquote;
      quoteAt = i;
      inWord = true;
      i++;
      continue;
    }
    if (c === "'" && !dquote) {
      squote = !squote;
      quoteAt = i;
      inWord = true;
      i++;
      continue;
    }
    if (c === '\\' && !squote) {
      const n = line[i + 1];
      inWord = true;
      switch (n) {
        case ' ':
        case '\\':
        case '#':
        case "'":
        case '"':
          cur += n;
          i += 2;
          continue;
        case 't':
          cur += '\t';
          i += 2;
          continue;
        case 'n':
          cur += '\n';
          i += 2;
          continue;
        case 'r':
          cur += '\r';
          i += 2;
          continue;
        case '$':
          if (dquote) {
            cur += '$';
            i += 2;
            continue;
          }
          cur += '\\';
          i++;
          continue;
        case 'x':
          if (!isHex(line[i + 2]) || !isHex(line[i + 3]))
            throw new TokenizeError('invalid or incomplete \\x sequence', i + 1);
          cur += String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16));
          i += 4;
          continue;
        default:
          // Not an escape sequence (e.g. "\." in a regex): the backslash stays.
          cur += '\\';
          i++;
          continue;
      }
    }
    if (isSpace(c) && !squote && !dquote) {
      if (inWord) words.push(cur);
      cur = '';
      inWord = false;
      while (i < line.length && isSpace(line[i]!)) i++;
      continue;
    }
    if (c === '$' && dquote) {
      const m = /^\$(\{[A-Za-z_.][A-Za-z0-9_]*(-[^}]*)?\}|[A-Za-z_][A-Za-z0-9_]*)/.exec(line.slice(i));
      if (m) {
        envVars.push(m[1]!.replace(/^\{|\}$/g, '').replace(/-.*$/, ''));
        cur += m[0];
        inWord = true;
        i += m[0].length;
        continue;
      }
    }
    cur += c;
    inWord = true;
    i++;
  }
  if (squote || dquote)
    throw new TokenizeError(`unmatched ${squote ? 'single' : 'double'} quote`, quoteAt + 1);
  if (inWord) words.push(cur);
  return { words, text: line.slice(0, end).trim(), envVars };
}
