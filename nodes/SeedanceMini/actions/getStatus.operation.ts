import type { IExecuteFunctions, INodeExecutionData, INodeProperties } from 'n8n-workflow';
import { NodeOperationError, updateDisplayOptions } from 'n8n-workflow';

import { getTaskStatus } from '../../apixo/transport';
import { Batch, type Job } from './batch';
import { waitOptions } from './descriptions';
import { finishTask } from './finish';
import { readWaitSettings } from './settings';

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
	for (let i = 0; i < items.length; i++) {
		const raw = this.getNodeParameter('taskId', i, '') as unknown;
		const taskId = typeof raw === 'string' || typeof raw === 'number' ? String(raw).trim() : '';
		if (!taskId) {
			const error = new NodeOperationError(
				this.getNode(),
				`Invalid taskId: must be the task ID returned by Generate (got ${JSON.stringify(raw ?? null)})`,
				{ itemIndex: i, description: 'Nothing was sent to APIXO for this item.' },
			);
			if (!this.continueOnFail()) throw error;
			ready.set(i, batch.errorItem(error, i));
			continue;
		}
		jobs.push({
			itemIndex: i,
			run: async (signal) => {
				batch.tasks.set(i, taskId);
				const startedAt = Date.now();
				// Look once now: a finished task needs no waiting, and createTime times the next poll.
				const known = await getTaskStatus.call(this, taskId, { itemIndex: i, signal });
				return await finishTask.call(this, taskId, readWaitSettings.call(this, i), {
					itemIndex: i,
					wait: this.getNodeParameter('waitForCompletion', i, false) as boolean,
					startedAt,
					signal,
					known,
				});
			},
		});
	}
	const concurrency = jobs.length ? readWaitSettings.call(this, jobs[0].itemIndex).concurrency : 1;
	return await batch.run(jobs, concurrency, ready);
}
