import type { INodeProperties } from 'n8n-workflow';

import { POLLING } from '../../apixo/contract';

/** Waiting and download options shared by Generate and Get Status. */
export const waitOptions: INodeProperties[] = [
	{
		displayName: 'First Poll Delay (Seconds)',
		name: 'firstPollDelay',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 2 },
		default: 180, // POLLING.firstPollDelay (literal for n8n's linter; a test checks they agree)
		description: `Seconds from task creation to the first status check. When not set: ${POLLING.firstPollDelay['text-to-video']} for text-to-video and first/last frames, ${POLLING.firstPollDelay.omni_reference} for omni reference (APIXO's advice: videos take minutes, earlier checks only cost rate limit).`,
	},
	{
		displayName: 'Poll Interval (Seconds)',
		name: 'pollInterval',
		type: 'number',
		typeOptions: { minValue: 0.01, numberPrecision: 2 },
		default: 15,
		description: 'Seconds between status checks after the first one (APIXO advises 10–20)',
	},
	{
		displayName: 'Max Wait (Seconds)',
		name: 'maxWait',
		type: 'number',
		typeOptions: { minValue: 0, numberPrecision: 2 },
		default: 1800,
		description:
			'Stop waiting after this long. The item is then returned with timedOut: true and its taskId, so a later "Get Status" can pick the task up — nothing paid for is lost.',
	},
	{
		displayName: 'Download Video',
		name: 'downloadVideo',
		type: 'boolean',
		default: false,
		description:
			'Whether to stream the first result video into the item as binary data (video/mp4). Result URLs expire after about 24 hours.',
	},
	{
		displayName: 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		hint: 'The name of the output binary field to put the video in',
		displayOptions: { show: { downloadVideo: [true] } },
	},
	{
		displayName: 'Max Download Size (MB)',
		name: 'maxDownloadSize',
		type: 'number',
		typeOptions: { minValue: 0.001, numberPrecision: 3 },
		default: 1024,
		description:
			'Fail the download of a larger video (1 MB = 1,000,000 bytes, as n8n shows file sizes). The task and its result URL stay available: "Get Status" with this task ID gives them.',
		displayOptions: { show: { downloadVideo: [true] } },
	},
	{
		displayName: 'Download Stall Timeout (Seconds)',
		name: 'downloadStallTimeout',
		type: 'number',
		typeOptions: { minValue: 0.01, numberPrecision: 2 },
		default: 60,
		description:
			'Fail the download when the file host sends nothing for this long (a slow but steady download goes on)',
		displayOptions: { show: { downloadVideo: [true] } },
	},
	{
		displayName: 'Concurrency',
		name: 'concurrency',
		type: 'number',
		typeOptions: { minValue: 1, maxValue: 100 },
		default: 10,
		description:
			"The most items submitted and waited for at once (a hard cap). Without this option the node finds your account's limit itself: it starts at 10, grows while APIXO accepts submits and, when APIXO answers 429 (too many tasks; nothing is created), holds every submit back for Retry-After and settles on what the account allows.",
	},
];
