import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * SQL kept in `.sql` files beside the code that runs it, loaded by name and
 * cached. Each file opens with a comment naming its parameters ($1, $2 …)
 * and what it returns. `sqlFolder(new URL('./sql/', import.meta.url))`
 * gives the loader of one folder.
 */
export function sqlFolder(folder: URL): (name: string) => string {
  const cache = new Map<string, string>();
  return (name) => {
    let text = cache.get(name);
    if (text === undefined) {
      text = readFileSync(fileURLToPath(new URL(`${name}.sql`, folder)), 'utf8');
      cache.set(name, text);
    }
    return text;
  };
}
