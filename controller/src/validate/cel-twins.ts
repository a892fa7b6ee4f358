// TypeScript twins of every CEL rule in the CRD schema, so the same checks run off-cluster.
// A unit test fails when the schema gains a rule without a twin here.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Twin = (self: any) => boolean;

const has = (o: any, k: string) => o != null && o[k] !== undefined;
// Three flags, no list: these run for every rule and match of every validated Frontend.
const exactlyOne = (a: boolean, b: boolean, c: boolean) => (a ? 1 : 0) + (b ? 1 : 0) + (c ? 1 : 0) === 1;

export const CEL_TWINS: Record<string, Twin> = {
  '[has(self.exact), has(self.regex), has(self.present)].filter(x, x).size() == 1': (s) =>
    exactlyOne(has(s, 'exact'), has(s, 'regex'), has(s, 'present')),
  '[has(self.prefix), has(self.exact), has(self.regex)].filter(x, x).size() == 1': (s) =>
    exactlyOne(has(s, 'prefix'), has(s, 'exact'), has(s, 'regex')),
  '[has(self.backend), has(self.redirect), has(self.deny)].filter(x, x).size() == 1': (s) =>
    exactlyOne(has(s, 'backend'), has(s, 'redirect'), has(s, 'deny')),
  'has(self.secretName) != (has(self.certFile) && has(self.keyFile))': (s) =>
    has(s, 'secretName') !== (has(s, 'certFile') && has(s, 'keyFile')),
  "self.mode != 'tcp' || has(self.defaultBackend) || (has(self.rules) && size(self.rules) > 0)": (s) =>
    s.mode !== 'tcp' || has(s, 'defaultBackend') || (Array.isArray(s.rules) && s.rules.length > 0),
  "self.mode != 'tcp' || !has(self.requestHeaders)": (s) => s.mode !== 'tcp' || !has(s, 'requestHeaders'),
  "self.mode != 'tcp' || !has(self.responseHeaders)": (s) => s.mode !== 'tcp' || !has(s, 'responseHeaders'),
  "!(self.algorithm in ['header', 'url-param']) || has(self.hashKey)": (s) =>
    !['header', 'url-param'].includes(s.algorithm) || has(s, 'hashKey'),
  'has(self.servers) || has(self.service)': (s) => has(s, 'servers') || has(s, 'service'),
  '!(has(self.cookie) && has(self.source))': (s) => !(has(s, 'cookie') && has(s, 'source')),
};
