/**
 * The secrets sweep itself: it must find a key wherever it was collected, or its silence over
 * the other test files would mean nothing.
 */
import { addSecret, collect, collectOtherHost, sweep } from '../harness/sweep';

it('finds a secret in a log line, an output item and an error, and Authorization on another host', () => {
	sweep(); // start clean
	const key = 'sk-sweep-SECRET-5150';
	addSecret(key);
	collect('log.debug', `calling with Bearer ${key}`);
	collect('output', [{ json: { nested: { header: key } } }]);
	const error = Object.assign(new Error('failed'), { description: `key was ${key}` });
	collect('error', error);
	collect('output', [{ json: { fine: true } }]);
	collectOtherHost({ url: 'http://files.example.com/a.mp4', authorization: `Bearer ${key}` });
	collectOtherHost({ url: 'http://files.example.com/b.mp4' });

	const report = sweep();
	expect(report.texts).toBe(4);
	expect(report.otherHostRequests).toBe(2);
	expect(report.leaks).toHaveLength(4);
	expect(report.leaks.join('\n')).toMatch(/log\.debug[\s\S]*output[\s\S]*error[\s\S]*a\.mp4/);
	// Collected data starts over for the next file; nothing left to report.
	expect(sweep().leaks).toEqual([]);
});
