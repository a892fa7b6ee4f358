// Server-Sent Events as the controller's GET /events writes them (controller/src/admin/
// event-stream.ts): blocks ended by a blank line, each with one `event:` line and one `data:`
// line of JSON. Comment blocks (the keep-alives) carry neither and are skipped.

/** Splits a text stream into events; `push` takes the chunks in order, `on` gets each event. */
export class SseParser {
  private buffered = '';

  constructor(private readonly on: (type: string, data: unknown) => void) {}

  push(chunk: string): void {
    this.buffered += chunk;
    for (let end = this.buffered.indexOf('\n\n'); end !== -1; end = this.buffered.indexOf('\n\n')) {
      const block = this.buffered.slice(0, end);
      this.buffered = this.buffered.slice(end + 2);
      const type = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (type && data) this.on(type, JSON.parse(data));
    }
  }
}
