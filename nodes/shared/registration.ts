/**
 * The registration lifecycle of the triggers that register their own URL at the vendor (EdgeSense, 1NCE):
 * n8n's webhookMethods.default.{checkExists, create, delete}, written once and parameterised by the
 * vendor's API calls and messages.
 *
 * The registration is kept in the workflow's static data under the vendor's keys. "Listen for test
 * event" (mode 'manual') uses keys of its own, so that it never touches the production registration of
 * a published workflow. With "Register Webhook" off, all three do nothing (the user registers by hand).
 */
import type { IDataObject, IHookFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/** Where the static data keeps the registration's id, URL and event types, and the id of one to remove. */
export interface RegistrationKeys {
	id: string;
	url: string;
	events: string;
	stale: string;
}

/** What differs between vendors. `Remote` is the registration as the vendor lists it; `Prepared` what `prepare` checked. */
export interface VendorRegistration<Remote, Prepared> {
	keys: { production: RegistrationKeys; test: RegistrationKeys };
	/** The error when n8n cannot tell the trigger's webhook URL. */
	noUrlMessage: string;
	/** The event types to subscribe to. */
	wantedEvents(this: IHookFunctions): string[];
	/** The registration with this id at the vendor, or undefined when it is gone. */
	find(this: IHookFunctions, id: string): Promise<Remote | undefined>;
	/** Why an existing registration no longer serves this trigger (it is then registered afresh), or undefined when it does. */
	problemWith(this: IHookFunctions, remote: Remote, url: string): string | undefined;
	/** Called for a registration that still serves, e.g. to resume delivery the vendor stopped. */
	whenKept?(this: IHookFunctions, remote: Remote, id: string): Promise<void>;
	/** Reads and checks what registering needs (credential, name); throws what the user must fix. */
	prepare(this: IHookFunctions): Promise<Prepared>;
	/** Removes a registration of this trigger that the workflow lost track of, before registering. */
	removeStale(this: IHookFunctions, staleId: unknown, url: string): Promise<void>;
	/** Registers the URL; returns the new registration's id. */
	register(this: IHookFunctions, request: { url: string; events: string[]; prepared: Prepared }): Promise<string>;
	/** Deletes the registration with this id at the vendor. */
	remove(this: IHookFunctions, id: string): Promise<void>;
	messages: {
		/** Why, when the registration is gone at the vendor. */
		gone: string;
		/** The log line when checkExists finds the registration unusable. */
		replacing(id: string, why: string): string;
		/** The warning when delete fails (the id is kept for the next activation). */
		removeFailed(id: string, error: string): string;
	};
}

export interface RegistrationLifecycle {
	checkExists(this: IHookFunctions): Promise<boolean>;
	create(this: IHookFunctions): Promise<boolean>;
	delete(this: IHookFunctions): Promise<boolean>;
}

function registrationEnabled(context: IHookFunctions): boolean {
	return context.getNodeParameter('registerWebhook', true) !== false;
}

function forget(data: IDataObject, keys: RegistrationKeys): void {
	delete data[keys.id];
	delete data[keys.url];
	delete data[keys.events];
}

/** n8n's webhookMethods.default for a trigger that registers itself at `vendor`. */
export function registrationLifecycle<Remote, Prepared>(vendor: VendorRegistration<Remote, Prepared>): RegistrationLifecycle {
	const keysFor = (context: IHookFunctions): RegistrationKeys =>
		context.getMode() === 'manual' ? vendor.keys.test : vendor.keys.production;
	const ownUrl = (context: IHookFunctions): string => {
		const url = context.getNodeWebhookUrl('default');
		if (!url) throw new NodeOperationError(context.getNode(), vendor.noUrlMessage);
		return url;
	};

	return {
		async checkExists(this: IHookFunctions): Promise<boolean> {
			if (!registrationEnabled(this)) return true;
			const keys = keysFor(this);
			const data = this.getWorkflowStaticData('node');
			const id = data[keys.id];
			if (typeof id !== 'string' || id === '') return false;
			const url = ownUrl(this);
			const remote = await vendor.find.call(this, id);
			const problem = remote === undefined ? undefined : vendor.problemWith.call(this, remote, url);
			if (remote !== undefined && problem === undefined) {
				await vendor.whenKept?.call(this, remote, id);
				return true;
			}
			// Gone, or no longer serving this trigger: register afresh (create() removes a stale one).
			if (remote !== undefined) data[keys.stale] = id;
			forget(data, keys);
			this.logger.info(vendor.messages.replacing(id, problem ?? vendor.messages.gone));
			return false;
		},

		async create(this: IHookFunctions): Promise<boolean> {
			if (!registrationEnabled(this)) return true;
			const keys = keysFor(this);
			const url = ownUrl(this);
			const events = vendor.wantedEvents.call(this);
			const prepared = await vendor.prepare.call(this);
			const data = this.getWorkflowStaticData('node');
			// A registration this workflow lost track of would deliver every event twice: remove it first.
			await vendor.removeStale.call(this, data[keys.stale], url);
			delete data[keys.stale];
			data[keys.id] = await vendor.register.call(this, { url, events, prepared });
			data[keys.url] = url;
			data[keys.events] = events;
			return true;
		},

		async delete(this: IHookFunctions): Promise<boolean> {
			if (!registrationEnabled(this)) return true;
			const keys = keysFor(this);
			const data = this.getWorkflowStaticData('node');
			const id = data[keys.id];
			if (typeof id !== 'string' || id === '') return true;
			try {
				await vendor.remove.call(this, id);
			} catch (error) {
				// Keep the id: the next activation finds the registration again instead of adding a second one.
				this.logger.warn(vendor.messages.removeFailed(id, (error as Error).message));
				return false;
			}
			forget(data, keys);
			return true;
		},
	};
}
