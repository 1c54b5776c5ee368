/**
 * Vendor onboarding, using every durable operation once:
 *
 * 1. `validate`: a step (at-least-once, the default: safe to repeat).
 * 2. `open-account`: a step with `AT_MOST_ONCE_PER_RETRY` semantics: the bank call never starts twice in one
 *    attempt (a crash mid-call fails the attempt, and the retry carries the same idempotency key).
 * 3. `cooling-off`: a one-hour durable wait.
 * 4. `kyc-check`: `waitForCondition`, polling the KYC provider every 5 minutes until it approves.
 * 5. `contract-signature`: `createCallback`; the signing service completes it once the contract is signed.
 * 6. `manager-approval`: `waitForCallback`; a rejection closes the account again and fails the execution.
 * 7. `provision`: `invoke` of the provisioning function (a durable function of its own).
 * 8. `notify`: `runInChildContext` grouping two notification steps.
 * 9. `welcome-kits`: `map` over the vendor's sites.
 * 10. `setup`: `parallel` catalog and billing-profile creation.
 *
 * `handler` is exported exactly as it is deployed; `makeHandler` builds the same workflow over any services.
 */
import {
  createRetryStrategy,
  createWaitStrategy,
  StepSemantics,
  withDurableExecution
} from "@durable-lambda/backend-aws"
import {
  httpServices,
  VendorRejected,
  type KycStatus,
  type OnboardingResult,
  type ProvisionRequest,
  type ProvisionResult,
  type Services,
  type Vendor
} from "./services.ts"

export type * from "./services.ts"
export { VendorRejected } from "./services.ts"

/** The provisioning function's name or ARN (`PROVISION_FUNCTION`), with its alias. */
export const defaultProvisionFunction = "vendor-provisioning:live"

/** The account call is retried twice, 10 seconds apart, if an attempt fails or is interrupted. */
const accountRetry = createRetryStrategy({ maxAttempts: 3, initialDelay: { seconds: 10 }, jitter: "NONE" })

/** Builds the durable handler over the given services (real clients in Lambda, fakes in tests). */
export const makeHandler = (services: Services, provisionFunction = defaultProvisionFunction) =>
  withDurableExecution(async (vendor: Vendor, context): Promise<OnboardingResult> => {
    const name = await context.step("validate", async () => services.validate(vendor))
    const account = await context.step(
      "open-account",
      async () => services.openAccount(vendor.vendorId, `account-${vendor.vendorId}`),
      { semantics: StepSemantics.AtMostOncePerRetry, retryStrategy: accountRetry }
    )

    await context.wait("cooling-off", { hours: 1 })

    const kyc = await context.waitForCondition<{ readonly status: KycStatus; readonly polls: number }>(
      "kyc-check",
      async (state) => ({ status: await services.kycStatus(vendor.vendorId, state.polls + 1), polls: state.polls + 1 }),
      {
        initialState: { status: "PENDING", polls: 0 },
        waitStrategy: createWaitStrategy({
          shouldContinuePolling: (state) => state.status === "PENDING",
          initialDelay: { minutes: 5 },
          backoffRate: 1,
          jitter: "NONE",
          maxAttempts: 12
        })
      }
    )

    const [signed, contractCallbackId] = await context.createCallback("contract-signature", { timeout: { days: 7 } })
    await context.step("send-contract", async () => services.sendContract(vendor.vendorId, contractCallbackId))
    const signature = await signed

    let approvedBy: string
    try {
      approvedBy = await context.waitForCallback(
        "manager-approval",
        async (callbackId) => services.requestApproval(vendor.vendorId, callbackId),
        { timeout: { days: 3 } }
      )
    } catch (error) {
      // The manager said no (or never answered): close the account again before failing.
      await context.step("close-account", async () => services.closeAccount(account))
      throw new VendorRejected(error instanceof Error ? error.message : String(error))
    }

    const tenant = await context.invoke<ProvisionRequest, ProvisionResult>("provision", provisionFunction, {
      vendorId: vendor.vendorId,
      account
    })

    const notifications = await context.runInChildContext("notify", async (child) => [
      await child.step("email", async () => services.notify(vendor.vendorId, "email")),
      await child.step("chat", async () => services.notify(vendor.vendorId, "chat"))
    ])

    const kits = await context.map("welcome-kits", [...vendor.sites], async (item, site) =>
      item.step("ship-kit", async () => services.shipKit(vendor.vendorId, site))
    )
    kits.throwIfError()

    const setup = await context.parallel("setup", [
      {
        name: "catalog",
        func: async (branch) => branch.step("create-catalog", async () => services.createCatalog(vendor.vendorId))
      },
      {
        name: "billing",
        func: async (branch) =>
          branch.step("create-billing-profile", async () => services.createBillingProfile(vendor.vendorId, account))
      }
    ])
    setup.throwIfError()

    return {
      vendorId: vendor.vendorId,
      name,
      status: "ACTIVE",
      account,
      kycPolls: kyc.polls,
      signature,
      approvedBy,
      tenant,
      notifications,
      kits: kits.getResults(),
      setup: setup.getResults()
    }
  })

/** The deployed handler: `Handler: src/handler.handler` (after bundling). */
export const handler = makeHandler(
  httpServices(process.env),
  process.env.PROVISION_FUNCTION ?? defaultProvisionFunction
)
