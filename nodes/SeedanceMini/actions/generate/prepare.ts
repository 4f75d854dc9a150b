/**
 * One item, before anything is paid for: its fields checked against the API's rules, its
 * reference media measured (header reads from the media hosts, never APIXO), its cost estimated
 * and held to Max Cost. A problem is a NodeOperationError naming the field.
 */
import type { IDataObject, IExecuteFunctions, NodeOperationError } from 'n8n-workflow';

import {
	estimateCost,
	isLoopbackUrl,
	referenceDurationIssues,
	toMicros,
	validateSubmitBody,
	type Mode,
	type SubmitBody,
} from '../../../apixo/contract';
import { nonPublicHost, nonPublicUrlIssues } from '../../../apixo/publicUrl';
import type { PricedItem } from '../../helpers/budget';
import { Ledger } from '../../helpers/ledger';
import {
	measureReferences,
	needsPreflight,
	referenceVideoSeconds,
	type ReferenceMedia,
} from '../../helpers/preflight';
import { buildBody, frameIssues, invalidItem, type ParameterReader } from './body';
import { operationError } from '../../helpers/operationError';

export interface Prepared extends PricedItem {
	body: SubmitBody;
	/** The item's key in the ledger of submits (its index and body). */
	key: string;
	referenceMedia?: ReferenceMedia[];
}

/** What the base URL allows: only a local APIXO (a simulator) can reach this machine. */
export interface ApiReach {
	/**
	 * Plain-http callbacks on loopback: only for an APIXO on loopback itself. APIXO, or a proxy in
	 * front of it, could never call such a URL back (pause mode would wait for nothing).
	 */
	allowLoopbackHttp: boolean;
	/** Reference media on private or loopback addresses. */
	localApi: boolean;
}

export function apiReach(baseUrl: string): ApiReach {
	return {
		allowLoopbackHttp: isLoopbackUrl(baseUrl),
		localApi: nonPublicHost(baseUrl) !== undefined,
	};
}

async function prepare(
	this: IExecuteFunctions,
	itemIndex: number,
	reach: ApiReach,
): Promise<Prepared> {
	// A mode that is none of the API's is refused by the contract, as any other field.
	const mode = this.getNodeParameter('mode', itemIndex, 'text-to-video') as Mode;
	const invalid = (issues: Parameters<typeof invalidItem>[2]) =>
		invalidItem.call(this, itemIndex, mode, issues);
	const param: ParameterReader = (name, fallback) =>
		this.getNodeParameter(name, itemIndex, fallback);
	if (mode === 'first_and_last_frames') {
		const issues = frameIssues(param);
		if (issues.length) throw invalid(issues);
	}
	const validation = validateSubmitBody(buildBody(param, mode), {
		allowLoopbackHttpCallback: reach.allowLoopbackHttp,
	});
	if (!validation.ok) throw invalid(validation.issues);
	const input = validation.body.input;
	// APIXO fetches references from the internet: reading private ones would probe this network.
	const privateUrls = reach.localApi ? [] : nonPublicUrlIssues(input);
	if (privateUrls.length) throw invalid(privateUrls);
	const options = this.getNodeParameter('options', itemIndex, {}) as IDataObject;
	let referenceMedia: ReferenceMedia[] | undefined;
	if (needsPreflight(input, options.preflightMedia)) {
		referenceMedia = await measureReferences.call(this, input, { allowNonPublic: reach.localApi });
		const measured = new Map(referenceMedia.map((m) => [m.url, m.durationS]));
		const issues = referenceDurationIssues(input, (url) => measured.get(url));
		if (issues.length) throw invalid(issues);
	}
	const cost = estimateCost(input, referenceMedia && referenceVideoSeconds(referenceMedia));
	const maxCost = options.maxCost;
	if (typeof maxCost === 'number' && cost.micros > toMicros(maxCost)) {
		throw operationError(
			this.getNode(),
			`Estimated cost $${cost.usd} is above Max Cost $${maxCost}`,
			{
				itemIndex,
				description: `${cost.billedSeconds} s × $${cost.ratePerSecond}/s (${input.resolution}${cost.withVideoReference ? ', with video reference' : ''}). Lower the duration or resolution, or raise Max Cost. Nothing was sent to APIXO.`,
			},
		);
	}
	return {
		itemIndex,
		body: validation.body,
		key: Ledger.key(itemIndex, validation.body),
		referenceMedia,
		estimatedCostUsd: cost.usd,
		estimatedCostMicros: cost.micros,
		costNote: cost.exact
			? undefined
			: `Upper bound: the reference videos' lengths were not measured, so ${cost.billedSeconds - input.duration} s of reference video (the most the API accepts) is counted at $${cost.ratePerSecond}/s; the real cost is lower when they are shorter`,
	};
}

/** The prepared item, or the NodeOperationError that says why it cannot be submitted. */
export async function prepareItem(
	this: IExecuteFunctions,
	itemIndex: number,
	reach: ApiReach,
): Promise<Prepared | NodeOperationError> {
	try {
		return await prepare.call(this, itemIndex, reach);
	} catch (error) {
		// A NodeOperationError comes back as it is; anything else is wrapped, for its item.
		return operationError(this.getNode(), error as Error, { itemIndex });
	}
}
