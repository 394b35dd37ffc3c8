import KNModel

extension BlockKind {
    /// The test benches upstream trains with the plain `CircuitBlock` (classification and regression,
    /// `main_image_classify.py`, `main_ffn.py`).
    public static let classificationBenches: Set<String> = [
        "mnist", "fashionmnist", "kmnist", "emnist", "cifar10", "cifar100", "svhn", "tinyimage",
        "toyregress", "housing", "diabete",
    ]

    /// The test benches upstream trains with the log-density `AugCircuitBlock` (generation, `main_gen.py`, and
    /// density matching, `main_den.py`); `potential<N>` for any N.
    public static let generationBenches: Set<String> = [
        "twomoon", "moons", "2spirals", "8gaussians", "circle", "circles", "pinwheel", "swissroll", "checkerboard",
        "rings", "gauss", "genmnist",
    ]

    /// The block upstream builds for a `test_bench`, or nil when the bench is unknown.
    public init?(testBench: String) {
        let bench = testBench.lowercased()
        if Self.classificationBenches.contains(bench) {
            self = .plain
        } else if Self.generationBenches.contains(bench)
                    || (bench.hasPrefix("potential") && bench.dropFirst(9).allSatisfy(\.isNumber) && bench.count > 9) {
            self = .augmented
        } else {
            return nil
        }
    }
}
