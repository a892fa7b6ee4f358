// What the importer tells the operator: lines it could not express ("not converted"), lines it
// converted with a caveat ("note"), and malformed lines (errors: nothing is printed on stdout).
// Messages are attached to the resource they belong to, so the emitter can place them as YAML
// comments next to it; messages with no resource go at the top of the output.

export type Severity = 'not converted' | 'note';

/** The resource a message belongs to; undefined = the top of the output. */
export interface Anchor {
  kind: 'Frontend' | 'Backend' | 'HealthPolicy';
  name: string;
}

export interface ImportMessage {
  line: number;
  severity: Severity;
  /** "not converted": the directive as written; "note": the message itself. */
  text: string;
  reason?: string;
  /** Candidate resources, first existing wins; none (or none emitted) = the top of the output. */
  anchors: Anchor[];
}

export interface ImportErrorEntry {
  line: number;
  message: string;
}

/** A malformed line: aborts the conversion of that directive and fails the import. */
export class ConfigError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

export class Reporter {
  readonly messages: ImportMessage[] = [];
  readonly errors: ImportErrorEntry[] = [];
  private readonly seen = new Set<string>();

  unsupported(line: number, text: string, reason: string, anchors: Anchor[] = []): void {
    this.push({ line, severity: 'not converted', text, reason, anchors });
  }

  note(line: number, text: string, anchors: Anchor[] = []): void {
    this.push({ line, severity: 'note', text, anchors });
  }

  error(line: number, message: string): void {
    this.errors.push({ line, message });
  }

  private push(m: ImportMessage): void {
    const key = `${m.line}|${m.severity}|${m.text}|${m.reason ?? ''}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.messages.push(m);
  }
}

/** "haproxy.cfg:12: not converted: option httplog — reason" */
export function formatMessage(file: string, m: ImportMessage): string {
  return m.severity === 'note'
    ? `${file}:${m.line}: note: ${m.text}`
    : `${file}:${m.line}: not converted: ${m.text} — ${m.reason}`;
}
