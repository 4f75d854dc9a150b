/**
 * The trigger's token check is constant-time: whatever is given (nothing, a prefix, a longer
 * string, the right token), exactly one timingSafeEqual runs, over two 32-byte digests — no
 * early exit on length or on the first differing character.
 */
import crypto from 'crypto';

import { tokenMatches } from '../../nodes/ApixoTrigger/delivery';

it('compares 32-byte digests with timingSafeEqual for every candidate', () => {
	const compare = jest.spyOn(crypto, 'timingSafeEqual');
	const token = 'tok-SECRET-0123456789';
	const candidates: Array<[unknown, boolean]> = [
		[token, true],
		['', false],
		[undefined, false],
		[42, false],
		['t', false],
		[token.slice(0, -1), false],
		[`${token}x`, false],
		[token.toUpperCase(), false],
		['x'.repeat(10_000), false],
	];
	for (const [given, expected] of candidates) {
		compare.mockClear();
		expect(tokenMatches(token, given)).toBe(expected);
		expect(compare).toHaveBeenCalledTimes(1);
		const [a, b] = compare.mock.calls[0] as [Buffer, Buffer];
		expect([a.length, b.length]).toEqual([32, 32]);
	}
	compare.mockRestore();
});

it('an empty token matches nothing, not even an empty string', () => {
	expect(tokenMatches('', '')).toBe(false);
	expect(tokenMatches('', undefined)).toBe(false);
});
