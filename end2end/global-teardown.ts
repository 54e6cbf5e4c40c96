import { rmSync } from 'node:fs';

// The server has stopped its cluster by now; remove the throwaway data.
export default async function globalTeardown() {
  const dir = process.env.PRUDENTIA_E2E_DATA_DIR;
  if (dir && dir.includes('prudentia-e2e-')) {
    rmSync(dir, { recursive: true, force: true });
  }
}
