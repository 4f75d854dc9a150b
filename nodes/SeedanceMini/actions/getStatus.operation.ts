import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { getTaskStatus } from '../../apixo/transport';
import { Batch, continuesOnFail, type Job } from '../helpers/batch';
import { waitOptions } from './descriptions';
import { finishTask } from '../helpers/finish';
import { readWaitSettings } from '../helpers/settings';
import { DEFAULT_CONCURRENCY } from '../helpers/throttle';
import { operationError } from '../helpers/operationError';

const properties: INodeProperties[] = [
	{
		displayName: 'Task ID',
		name: 'taskId',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. 3f9c0d6a1b2e4c5d8e7f6a5b4c3d2e1f',
		description: 'The taskId returned by Generate (or by the APIXO Trigger)',
	},
	{
		displayName: 'Wait for Completion',
		name: 'waitForCompletion',
		type: 'boolean',
		default: false,
		description: 'Whether to keep checking until the task succeeds or fails',
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: waitOptions,
	},
];

export const description = updateDisplayOptions({ show: { operation: ['getStatus'] } }, properties);

export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const batch = new Batch(this);
	const ready = new Map<number, INodeExecutionData>();
	const jobs: Job[] = [];
	for (let itemIndex = 0; itemIndex < items.length; itemIndex++) {
		const raw = this.getNodeParameter('taskId', itemIndex, '') as unknown;
		const taskId = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : '';
		if (!taskId) {
			const error = operationError(
				this.getNode(),
				`Invalid taskId: must be the task ID returned by Generate (got ${JSON.stringify(raw ?? null)})`,
				{ itemIndex, description: 'Nothing was sent to APIXO for this item.' },
			);
			if (!continuesOnFail(this)) throw error;
			ready.set(itemIndex, batch.errorItem(error, itemIndex));
			continue;
		}
		jobs.push({
			itemIndex,
			run: async (signal) => {
				batch.tasks.set(itemIndex, taskId);
				const startedAt = Date.now();
				// Look once now: a finished task needs no waiting, and createTime times the next poll.
				const known = await getTaskStatus.call(this, taskId, { itemIndex, signal });
				return await finishTask.call(this, taskId, readWaitSettings.call(this, itemIndex), {
					itemIndex,
					wait: this.getNodeParameter('waitForCompletion', itemIndex, false) as boolean,
					startedAt,
					signal,
					known,
				});
			},
		});
	}
	const concurrency = jobs.length
		? (readWaitSettings.call(this, jobs[0].itemIndex).concurrency ?? DEFAULT_CONCURRENCY)
		: 1;
	return await batch.run(jobs, concurrency, ready);
}
