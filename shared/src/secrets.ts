/**
 * Secrets as a receiver gets them: the current one and, during a rotation, the previous one; from a form,
 * a credential or the environment. One place decides which are usable, so every host fails closed the
 * same way. Pure module.
 */
import { refuse } from './results';
import type { VerifyFailure } from './types';

/** `${NAME}` (and Node-RED's older `$(NAME)`) left as text: the variable it names was not set. */
const UNRESOLVED = /^\$(?:\{([^}\s]+)\}|\(([^)\s]+)\))$/;

/** The variable a secret still names when it was never substituted, or undefined for a real secret. */
export function unresolvedVariable(secret: string): string | undefined {
  const match = UNRESOLVED.exec(secret.trim());
  return match ? (match[1] ?? match[2]) : undefined;
}

/** Secrets as a clean list: strings only, empty ones dropped (an empty field in a form is "no secret"). */
export function normalizeSecrets(secrets: unknown): string[] {
  const list = Array.isArray(secrets) ? secrets : secrets === undefined || secrets === null ? [] : [secrets];
  return list.filter((s): s is string => typeof s === 'string' && s !== '');
}

/** What a receiver can check with. */
export interface UsableSecrets {
  /** The secrets to try, current first. */
  secrets: string[];
  /** Variables named by secrets that were left as `${NAME}` text: such a secret is not used. */
  unresolved: string[];
}

/**
 * The usable secrets among `secrets` (a string, or a list with the current one first): empty values and
 * `${NAME}` texts whose variable was never set are dropped — signing with the literal text `${NAME}`
 * would be open to anyone who reads the flow.
 */
export function usableSecrets(secrets: unknown): UsableSecrets {
  return computeUsable(secrets);
}

/**
 * {@link usableSecrets} for `verify`'s hot path: for one secret given as a string (the common case) the
 * answer depends on the text alone, so it is kept for the few secrets in use (bounded) and shared, frozen.
 * @internal
 */
export function usableSecretsShared(secrets: unknown): Readonly<UsableSecrets> {
  if (typeof secrets === 'string') {
    let cached = usableCache.get(secrets);
    if (cached === undefined) {
      cached = freeze(computeUsable(secrets));
      if (usableCache.size >= 64) usableCache.clear();
      usableCache.set(secrets, cached);
    }
    return cached;
  }
  return computeUsable(secrets);
}

const usableCache = new Map<string, UsableSecrets>();

function freeze(found: UsableSecrets): UsableSecrets {
  Object.freeze(found.secrets);
  Object.freeze(found.unresolved);
  return Object.freeze(found);
}

function computeUsable(secrets: unknown): UsableSecrets {
  const result: UsableSecrets = { secrets: [], unresolved: [] };
  for (const secret of normalizeSecrets(secrets)) {
    const variable = unresolvedVariable(secret);
    if (variable === undefined) result.secrets.push(secret);
    else result.unresolved.push(variable);
  }
  return result;
}

/**
 * The refusal of a receiver that has nothing to check with (503 `not_configured`), saying exactly what to
 * set; undefined when a secret is usable, or when none is set and unauthenticated requests are allowed.
 * A `${NAME}` left unresolved is refused even then: the user meant to set a secret.
 */
export function secretsProblem(found: UsableSecrets, label: string, allowUnauthenticated: boolean): VerifyFailure | undefined {
  if (found.secrets.length > 0) return undefined;
  if (found.unresolved.length > 0) {
    const names = found.unresolved.map((name) => `\${${name}}`).join(' and ');
    const variables = found.unresolved.join(' and ');
    return refuse(
      'not_configured',
      `The ${label} secret is the text ${names}: the environment variable ${variables} is not set where this receiver runs. ` +
        'Set it (or enter the secret itself); until then every request is refused.',
    );
  }
  if (allowUnauthenticated) return undefined;
  return refuse(
    'not_configured',
    `No secret is set for this ${label} receiver, so every request is refused: enter the secret configured at ${label}, ` +
      'or turn on "Accept unauthenticated requests" (allowUnauthenticated) to take requests without checking them.',
  );
}
