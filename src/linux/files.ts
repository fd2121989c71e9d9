// The files the agent renders for daemons (keepalived.conf, dnsmasq's host
// and opts files, nftables rulesets): read back to compare, and replaced
// atomically so a daemon reloading at any moment never reads half a file.
import { readFile, rename, writeFile } from 'node:fs/promises';

/** The file's text, or undefined when it does not exist (or cannot be read). */
export async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
}

export async function writeAtomically(path: string, text: string): Promise<void> {
  await writeFile(`${path}.tmp`, text);
  await rename(`${path}.tmp`, path);
}
