import Testing
@testable import KNEmit

/// Reading ngspice's `rusage all` report (the lines of an ngspice 46 run, MIM units charged in a transient).
@Suite struct NgspiceUsageTests {
    static let report = """
        Total elapsed time (seconds) = 2.790 
        Maximum ngspice program size =   31.477 MB.
        Number of lines in the deck = 11456
        Netlist loading time = 2.75125
        Subckt and Param expansion time = 0.028525
        Netlist parsing time = 0.00443731
        Total iterations = 217
        Transient iterations = 214
        Transient timepoints = 108
        Accepted timepoints = 108
        Rejected timepoints = 3
        Total analysis time (seconds) = 0.0061409
        Matrix load time = 0.00148893
        Transient analysis time = 0.00539028
        """

    @Test func readsSetUpOperatingPointAndTransient() throws {
        let usage = try #require(NgspiceUsage(log: "Note: something = else\n" + Self.report))
        #expect(abs(usage.setupSeconds - (2.75125 + 0.028525 + 0.00443731)) < 1e-12)
        #expect(abs(usage.transientSeconds - 0.00539028) < 1e-12)
        #expect(abs(usage.operatingPointSeconds - (0.0061409 - 0.00539028)) < 1e-12)
        #expect(usage.timepoints == 108 && usage.rejectedTimepoints == 3 && usage.iterations == 217)
    }

    @Test func aLogWithoutTheReportHasNone() {
        #expect(NgspiceUsage(log: "Warning: singular matrix:  check node n2\nTotal elapsed time (seconds) = 2.790") == nil)
    }
}
