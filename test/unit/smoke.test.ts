import { MODEL_ID } from '../../nodes/apixo/contract';
it('loads the contract', () => expect(MODEL_ID).toBe('seedance-2-0-mini'));
