/**
 * Manual helper: how many rules per Frontend the CRD's CEL cost budget allows. Starts a throwaway
 * control plane and asks the API server (`kubectl apply --dry-run=server`) to accept the Frontend
 * CRD with `spec.rules` maxItems raised to each given count; prints accepted or the refusal.
 *   npx tsx --conditions=bascule-source test/k8s/env/cel-budget.ts [COUNT...]
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startControlPlane } from './control-plane.js';

const counts = process.argv.slice(2).map(Number);
const crd = readFileSync('crds/bascule.dev_frontends.yaml', 'utf8');
/** The CRD with the maxItems of `spec.rules` (the first maxItems after "rules:") set to n. */
const withRules = (n: number): string => crd.replace(/(\n\s+rules:\n(?:.*\n)*?\s+maxItems: )\d+/, `$1${n}`);

const cp = await startControlPlane({});
try {
  for (const n of counts.length > 0 ? counts : [256, 4096, 9000, 10_000, 16_384]) {
    try {
      execFileSync(
        `${cp.binDir}/kubectl`,
        ['--kubeconfig', cp.kubeconfigPath, 'apply', '--dry-run=server', '-f', '-'],
        { input: withRules(n), stdio: ['pipe', 'pipe', 'pipe'] },
      );
      console.log(`${n}: accepted`);
    } catch (err) {
      console.log(`${n}: refused: ${String((err as { stderr?: Buffer }).stderr ?? err).trim()}`);
    }
  }
} finally {
  await cp.stop();
}
