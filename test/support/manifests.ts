// Manifests for tests that run a real `bascule standalone` on a directory.

/**
 * One Frontend `web` on HOST:port sending everything to one Backend `origin` (one server).
 * `frontend` and `backend` are extra spec lines (YAML, two-space indented), e.g.
 * `  timeouts: {client: 60s}`.
 */
export function oneRouteYaml(
  host: string,
  port: number,
  originPort: number,
  extra: { frontend?: string; backend?: string } = {},
): string {
  return `apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: web}
spec:
  bind: {address: ${host}, port: ${port}}
${extra.frontend ?? ''}  defaultBackend: origin
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: origin}
spec:
  servers: [{name: origin, address: ${host}, port: ${originPort}}]
${extra.backend ?? ''}`;
}
