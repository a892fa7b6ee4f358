// Folder imports that close a cycle and are not untangled yet. The list only shrinks: a new
// cycle fails the lint, and test/unit/lint checks that every entry here is still a real cycle
// (delete the line once its cycle is gone).
export const KNOWN_FOLDER_CYCLES = [
  'dataplane/health -> dataplane/runtime',
  'dataplane/http -> dataplane/persistence',
  'dataplane/http -> dataplane/runtime',
  'dataplane/persistence -> dataplane/runtime',
  'dataplane/runtime -> dataplane/health',
  'dataplane/runtime -> dataplane/http',
  'dataplane/runtime -> dataplane/persistence',
  'dataplane/runtime -> dataplane/tcp',
  'dataplane/tcp -> dataplane/runtime',
];
