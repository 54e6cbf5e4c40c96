import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

// Reads the server's own database through psql over the cluster's unix
// socket, so tests check what was really stored.
function psqlPath(): string {
  for (const dir of ['/usr/bin', '/usr/local/bin']) {
    if (existsSync(join(dir, 'psql'))) return join(dir, 'psql');
  }
  const versions = existsSync('/usr/lib/postgresql') ? readdirSync('/usr/lib/postgresql').sort() : [];
  for (const v of versions.reverse()) {
    const p = join('/usr/lib/postgresql', v, 'bin', 'psql');
    if (existsSync(p)) return p;
  }
  throw new Error('psql not found');
}

export function sql(query: string): string {
  const dataDir = process.env.PRUDENTIA_E2E_DATA_DIR;
  if (!dataDir) throw new Error('PRUDENTIA_E2E_DATA_DIR is not set');
  return execFileSync(
    psqlPath(),
    ['-h', join(dataDir, 'postgres'), '-U', 'postgres', '-d', 'prudentia', '-At', '-c', query],
    { encoding: 'utf8' },
  ).trim();
}
