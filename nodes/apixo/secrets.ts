/**
 * Secrets in URLs: APIXO does not sign callbacks, so an unguessable value in the callback URL
 * is what tells a real delivery from a forged one (the trigger's token, pause mode's batch key).
 */
import { createHash, randomBytes, timingSafeEqual } from 'crypto';

/** Constant-time token check: hashing first makes the comparison independent of length too. */
export function tokenMatches(expected: string, given: unknown): boolean {
	const digest = (value: string) => createHash('sha256').update(value).digest();
	const candidate = typeof given === 'string' ? given : '';
	return timingSafeEqual(digest(expected), digest(candidate)) && candidate.length > 0;
}

/** A new unguessable URL-safe secret (192 bits). */
export function newSecret(): string {
	return randomBytes(24).toString('base64url');
}
