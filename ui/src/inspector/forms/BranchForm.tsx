/** A yes/no branch on a condition. */
import type { BranchNode, Condition } from '../../api/types';
import { ConditionBuilder } from '../ConditionBuilder';
import { FieldWarnings } from '../fieldWarnings';
import { without, type FormProps } from './common';

export function BranchForm({ node, onChange }: FormProps<BranchNode>) {
  return (
    <>
      <ConditionBuilder
        label="Condition (yes when it holds)"
        value={node.condition}
        onChange={(condition?: Condition) => onChange(condition ? { ...node, condition } : without(node, 'condition'), 'condition')}
      />
      <FieldWarnings at={['condition']} />
    </>
  );
}
