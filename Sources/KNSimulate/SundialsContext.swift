import CSundials

/// Owns one `SUNContext`. SUNDIALS objects created in a context are used by one thread at a time; each
/// simulated sample gets its own context.
final class SundialsContext {
    let raw: SUNContext

    init() throws(SimulationError) {
        var ctx: SUNContext? = nil
        guard SUNContext_Create(nil, &ctx) == 0, let ctx else { throw .solverSetup("a SUNContext") }
        raw = ctx
    }

    deinit {
        var ctx: SUNContext? = raw
        SUNContext_Free(&ctx)
    }
}
