/**
 * What the onboarding workflow works on and the systems it talks to, plus the production implementation:
 * small JSON-over-HTTP clients whose base URL comes from the function's environment (`VENDOR_API_URL`;
 * nothing is contacted until a step calls them).
 */
export interface Vendor {
  readonly vendorId: string
  readonly name: string
  /** Sites that each get a welcome kit. */
  readonly sites: ReadonlyArray<string>
}

export interface OnboardingResult {
  readonly vendorId: string
  /** The validated, normalised vendor name. */
  readonly name: string
  readonly status: "ACTIVE"
  readonly account: string
  readonly kycPolls: number
  readonly signature: string
  readonly approvedBy: string
  readonly tenant: ProvisionResult
  readonly notifications: ReadonlyArray<string>
  readonly kits: ReadonlyArray<string>
  readonly setup: ReadonlyArray<string>
}

export interface ProvisionRequest {
  readonly vendorId: string
  readonly account: string
}

export interface ProvisionResult {
  readonly tenantId: string
  readonly grant: string
}

export type KycStatus = "PENDING" | "APPROVED"

/** The systems the onboarding workflow talks to. Each call runs inside a durable operation. */
export interface Services {
  /** Checks the vendor's details; returns the normalised name. */
  validate(vendor: Vendor): Promise<string>
  /**
   * Opens the vendor's payout account. The bank is not idempotent without the key: a call repeated with the
   * same `idempotencyKey` returns the same account.
   */
  openAccount(vendorId: string, idempotencyKey: string): Promise<string>
  /** The KYC provider's verdict on its `poll`-th check. */
  kycStatus(vendorId: string, poll: number): Promise<KycStatus>
  /** Sends the contract; the signing service completes `callbackId` once it is signed. */
  sendContract(vendorId: string, callbackId: string): Promise<void>
  /** Asks the vendor manager to approve; their tool completes `callbackId`. */
  requestApproval(vendorId: string, callbackId: string): Promise<void>
  /** Closes the payout account (idempotent): the compensation when the manager rejects. */
  closeAccount(account: string): Promise<void>
  notify(vendorId: string, channel: "email" | "chat"): Promise<string>
  shipKit(vendorId: string, site: string): Promise<string>
  createCatalog(vendorId: string): Promise<string>
  createBillingProfile(vendorId: string, account: string): Promise<string>
}

/** The systems the provisioning function talks to. */
export interface ProvisionServices {
  createTenant(vendorId: string): Promise<string>
  grantAccess(tenantId: string, account: string): Promise<string>
}

/** The manager rejected the vendor. */
export class VendorRejected extends Error {
  override readonly name = "VendorRejected"
}

const post =
  (base: string | undefined) =>
  async <T>(path: string, body: unknown, headers: Record<string, string> = {}): Promise<T> => {
    if (base === undefined) throw new Error("VENDOR_API_URL is not set")
    const response = await fetch(new URL(path, base), {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify(body)
    })
    if (!response.ok) throw new Error(`POST ${path}: HTTP ${response.status}`)
    return (await response.json()) as T
  }

/** The production services, from `VENDOR_API_URL`. */
export const httpServices = (env: Record<string, string | undefined>): Services => {
  const api = post(env.VENDOR_API_URL)
  const id = async (path: string, body: unknown, headers?: Record<string, string>) =>
    (await api<{ id: string }>(path, body, headers)).id
  return {
    validate: async (vendor) => id("/vendors/validate", vendor),
    openAccount: async (vendorId, key) => id("/accounts", { vendorId }, { "idempotency-key": key }),
    kycStatus: async (vendorId, poll) => (await api<{ status: KycStatus }>("/kyc", { vendorId, poll })).status,
    sendContract: async (vendorId, callbackId) => {
      await api("/contracts", { vendorId, callbackId })
    },
    requestApproval: async (vendorId, callbackId) => {
      await api("/approvals", { vendorId, callbackId })
    },
    closeAccount: async (account) => {
      await api(`/accounts/${account}/close`, {})
    },
    notify: async (vendorId, channel) => id(`/notifications/${channel}`, { vendorId }),
    shipKit: async (vendorId, site) => id("/kits", { vendorId, site }),
    createCatalog: async (vendorId) => id("/catalogs", { vendorId }),
    createBillingProfile: async (vendorId, account) => id("/billing-profiles", { vendorId, account })
  }
}

/** The production provisioning services, from `VENDOR_API_URL`. */
export const httpProvisionServices = (env: Record<string, string | undefined>): ProvisionServices => {
  const api = post(env.VENDOR_API_URL)
  return {
    createTenant: async (vendorId) => (await api<{ id: string }>("/tenants", { vendorId })).id,
    grantAccess: async (tenantId, account) => (await api<{ id: string }>("/grants", { tenantId, account })).id
  }
}
