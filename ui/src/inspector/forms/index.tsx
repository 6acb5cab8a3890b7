/**
 * One form per node type (a file each in this folder), and the table the inspector picks the
 * selected step's form from. A new node type adds its form file and one line here.
 */
import type { ReactElement } from 'react';
import type { BranchNode, NodeDoc, SendNode, SplitNode, TriggerNode, UpdateNode, WaitForNode, WaitNode, WebhookNode } from '../../api/types';
import { BranchForm } from './BranchForm';
import type { FormProps } from './common';
import { ExitForm } from './ExitForm';
import { SendForm } from './SendForm';
import { SplitForm } from './SplitForm';
import { TriggerForm } from './TriggerForm';
import { UpdateForm } from './UpdateForm';
import { WaitForForm } from './WaitForForm';
import { WaitForm } from './WaitForm';
import { WebhookForm } from './WebhookForm';

export type { FormProps } from './common';

/** Renders one node type's form (the table's key says which document type it gets). */
type RenderForm = (props: FormProps<NodeDoc>) => ReactElement;

/** Node type → its form; types missing here (unknown to this version) have none. */
export const NODE_FORMS: ReadonlyMap<string, RenderForm> = new Map<string, RenderForm>([
  ['trigger', (p) => <TriggerForm {...p} node={p.node as TriggerNode} />],
  ['send', (p) => <SendForm {...p} node={p.node as SendNode} />],
  ['wait', (p) => <WaitForm {...p} node={p.node as WaitNode} />],
  ['wait_for', (p) => <WaitForForm {...p} node={p.node as WaitForNode} />],
  ['branch', (p) => <BranchForm {...p} node={p.node as BranchNode} />],
  ['split', (p) => <SplitForm {...p} node={p.node as SplitNode} />],
  ['update', (p) => <UpdateForm {...p} node={p.node as UpdateNode} />],
  ['webhook', (p) => <WebhookForm {...p} node={p.node as WebhookNode} />],
  ['exit', (p) => <ExitForm {...p} />],
]);
