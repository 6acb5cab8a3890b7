/** An exit: nothing to configure. */
import type { NodeDoc } from '../../api/types';
import type { FormProps } from './common';

export function ExitForm(_props: FormProps<NodeDoc>) {
  return <p className="muted">Contacts who reach this step leave the journey. Nothing to configure.</p>;
}
