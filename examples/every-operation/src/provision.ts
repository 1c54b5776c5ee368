/**
 * The provisioning function: a durable function of its own, invoked by onboarding. It creates the vendor's
 * tenant, waits out the directory's 2-minute propagation delay (suspended), then grants access.
 *
 * Deployed as its own Lambda function (`Handler: src/provision.handler`).
 */
import { withDurableExecution } from "@durable-lambda/backend-aws"
import {
  httpProvisionServices,
  type ProvisionRequest,
  type ProvisionResult,
  type ProvisionServices
} from "./services.ts"

export const makeProvisionHandler = (services: ProvisionServices) =>
  withDurableExecution(async (request: ProvisionRequest, context): Promise<ProvisionResult> => {
    const tenantId = await context.step("create-tenant", async () => services.createTenant(request.vendorId))
    await context.wait("directory-propagation", { minutes: 2 })
    const grant = await context.step("grant-access", async () => services.grantAccess(tenantId, request.account))
    return { tenantId, grant }
  })

/** The deployed provisioning handler. */
export const handler = makeProvisionHandler(httpProvisionServices(process.env))
