import Foundation
import KNModel

/// The measured current laws of a mapped network's cells: the file `characterized.json`, format
/// `kn-characterized-edges-1`, that `kn-map map --characterize-edges` writes and
/// `kn-map simulate --edges characterized` reads.
///
/// For every characterized edge the file holds a ``CommonEdgeLaw`` fitted to the transistor cell's currents
/// (ngspice steady-state sweeps on the foundry models at the edge's operating points), with the fit's quality. Edges
/// the file does not list, and listed edges whose ``CharacterizedEdge/status`` is `ideal`, follow the
/// network's own law. ``networkDigest`` ties the file to the exact network it was measured for.
///
/// ```swift
/// let edges = try CharacterizedEdges.read(from: URL(fileURLWithPath: "twomoon-sky130/characterized.json"))
/// var options = SimulationOptions()
/// options.edges = .characterized(edges)
/// let result = try Simulator(network: net, options: options).run(input: [0.3, -1.2])
/// ```
public struct CharacterizedEdges: Codable, Sendable, Hashable {
    /// `kn-characterized-edges-1`.
    public static let formatName = "kn-characterized-edges-1"

    public var format: String = CharacterizedEdges.formatName
    /// The network's edge family (``KNModel/EdgeFamily/description``).
    public var family: String
    /// ``digest(of:)`` of the network the cells were mapped from.
    public var networkDigest: String
    /// Where the currents come from: the process, corner and simulator, in words.
    public var source: String
    /// Amperes and volts per model unit the cells were measured at (the fitted laws are in model units).
    public var alpha: Double
    public var beta: Double
    public var layers: [CharacterizedLayer]

    public init(family: String, networkDigest: String, source: String, alpha: Double, beta: Double,
                layers: [CharacterizedLayer]) {
        self.family = family
        self.networkDigest = networkDigest
        self.source = source
        self.alpha = alpha
        self.beta = beta
        self.layers = layers
    }

    /// The characterized edges of every layer, counted by status.
    public var counts: (fitted: Int, ideal: Int) {
        var fitted = 0, ideal = 0
        for layer in layers { for e in layer.edges { if e.status == .fitted { fitted += 1 } else { ideal += 1 } } }
        return (fitted, ideal)
    }

    /// A digest of everything that defines the network's circuit: the family, every layer's node count, edges
    /// and parameters (FNV-1a, 64 bits, as 16 hex digits). Stable across runs and machines.
    public static func digest(of network: Network) -> String {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ x: UInt64) {
            var v = x
            for _ in 0..<8 {
                h ^= v & 0xff
                h = h &* 0x0000_0100_0000_01b3
                v >>= 8
            }
        }
        for byte in network.family.description.utf8 { mix(UInt64(byte)) }
        for layer in network.layers {
            mix(UInt64(layer.nodeCount))
            mix(UInt64(layer.edgeCount))
            for k in 0..<layer.edgeCount {
                mix(UInt64(UInt32(bitPattern: layer.edges.src[k])))
                mix(UInt64(UInt32(bitPattern: layer.edges.des[k])))
            }
            for value in layer.parameters.values { mix(value.bitPattern) }
        }
        return String(format: "%016llx", h)
    }

    /// Reads and checks a file (format, every law's parameters, edge order); ``check(against:)`` then ties it to
    /// a network.
    public static func read(from url: URL) throws(CharacterizedEdgesError) -> CharacterizedEdges {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .unreadable(file: url.path, problem: error.localizedDescription)
        }
        let decoded: CharacterizedEdges
        do {
            decoded = try JSONDecoder().decode(CharacterizedEdges.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw .invalid(file: url.path, place: Self.place(context.codingPath), problem: context.debugDescription,
                           fix: "write the file with kn-map map --characterize-edges")
        } catch let DecodingError.keyNotFound(key, context) {
            throw .invalid(file: url.path, place: Self.place(context.codingPath + [key]), problem: "is missing",
                           fix: "write the file with kn-map map --characterize-edges")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw .invalid(file: url.path, place: Self.place(context.codingPath), problem: context.debugDescription,
                           fix: "write the file with kn-map map --characterize-edges")
        } catch {
            throw .invalid(file: url.path, place: "", problem: "is not JSON: \(error.localizedDescription)",
                           fix: "write the file with kn-map map --characterize-edges")
        }
        do { try decoded.checkContents() } catch let error {
            throw error.located(in: url.path)
        }
        return decoded
    }

    /// Writes the file atomically (sorted keys, so the same characterization gives the same bytes).
    public func write(to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.write(try encoder.encode(self), to: url)
    }

    static func place(_ path: [any CodingKey]) -> String {
        path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }

    /// Checks what a file can check on its own: the format, layer indices, edge order, every law.
    public func checkContents() throws(CharacterizedEdgesError) {
        let fix = "write the file with kn-map map --characterize-edges"
        guard format == Self.formatName else {
            throw .invalid(file: nil, place: ".format", problem: "is '\(format)', expected '\(Self.formatName)'", fix: fix)
        }
        for (l, layer) in layers.enumerated() {
            guard layer.index == l else {
                throw .invalid(file: nil, place: ".layers[\(l)].index", problem: "is \(layer.index), expected \(l)", fix: fix)
            }
            var previous = -1
            for (k, edge) in layer.edges.enumerated() {
                let place = ".layers[\(l)].edges[\(k)]"
                guard edge.edge > previous, edge.edge < layer.edgeCount else {
                    throw .invalid(file: nil, place: place + ".edge",
                                   problem: "is \(edge.edge); edges must be listed once each, in increasing order, below the layer's \(layer.edgeCount) edges",
                                   fix: fix)
                }
                previous = edge.edge
                if let problem = edge.law.problem {
                    throw .invalid(file: nil, place: place + ".law", problem: problem, fix: fix)
                }
                if let problem = edge.dynamics?.problem {
                    throw .invalid(file: nil, place: place + ".dynamics", problem: problem, fix: fix)
                }
            }
        }
    }

    /// Reads a `characterized.json` and checks it against the network it is to simulate (``check(against:file:)``).
    public static func read(from url: URL, for network: Network) throws(CharacterizedEdgesError) -> CharacterizedEdges {
        let edges = try read(from: url)
        try edges.check(against: network, file: url.path)
        return edges
    }

    /// Checks that the file was measured for `network`: the digest, the layer count and every listed edge's
    /// terminals.
    /// - Parameter file: the file's path, for messages.
    public func check(against network: Network, file: String? = nil) throws(CharacterizedEdgesError) {
        let digest = Self.digest(of: network)
        guard digest == networkDigest else {
            throw .wrongNetwork(file: file, problem: "the file was characterized for network \(networkDigest), this model is \(digest)")
        }
        guard layers.count == network.layers.count else {
            throw .wrongNetwork(file: file, problem: "the file has \(layers.count) layers, the model \(network.layers.count)")
        }
        for (l, layer) in layers.enumerated() {
            let edges = network.layers[l].edges
            guard layer.edgeCount == edges.count else {
                throw .wrongNetwork(file: file, problem: "layer \(l) has \(layer.edgeCount) edges in the file, \(edges.count) in the model")
            }
            for e in layer.edges where Int(edges.src[e.edge]) != e.src || Int(edges.des[e.edge]) != e.des {
                throw .wrongNetwork(file: file, problem: "layer \(l) edge \(e.edge) goes \(e.src)→\(e.des) in the file, \(edges.src[e.edge])→\(edges.des[e.edge]) in the model")
            }
        }
    }

    /// The law of every edge of layer `l` of `network`: the fitted law where the file has one, the network's
    /// own law elsewhere.
    public func laws(layer l: Int, network: Network) -> [CommonEdgeLaw] {
        let layer = network.layers[l]
        var laws = (0..<layer.edgeCount).map { k in
            let p = layer.edgeParameters(k)
            return CommonEdgeLaw.ideal(family: network.family, p0: p.p0, p1: p.p1, p2: p.p2)
        }
        if l < layers.count {
            for e in layers[l].edges where e.status == .fitted { laws[e.edge] = e.law }
        }
        return laws
    }
}

extension CharacterizedEdges {
    /// Whether any edge carries measured capacitances (``CharacterizedEdge/dynamics``).
    public var hasDynamics: Bool { layers.contains { $0.edges.contains { $0.dynamics != nil } } }

    /// The measured capacitances of every edge of layer `l` (nil where not measured), or nil when the layer has
    /// none.
    public func dynamics(layer l: Int, edgeCount: Int) -> [CellDynamics?]? {
        guard l < layers.count, layers[l].edges.contains(where: { $0.dynamics != nil }) else { return nil }
        var out = [CellDynamics?](repeating: nil, count: edgeCount)
        for e in layers[l].edges where e.edge < edgeCount { out[e.edge] = e.dynamics }
        return out
    }
}

/// The characterized edges of one layer.
public struct CharacterizedLayer: Codable, Sendable, Hashable {
    public var index: Int
    /// The layer's edge count (edges not listed follow the network's law).
    public var edgeCount: Int
    /// Characterized edges, in increasing edge order.
    public var edges: [CharacterizedEdge]

    public init(index: Int, edgeCount: Int, edges: [CharacterizedEdge]) {
        self.index = index
        self.edgeCount = edgeCount
        self.edges = edges
    }
}

/// One measured cell and the law fitted to it.
public struct CharacterizedEdge: Codable, Sendable, Hashable {
    /// Whether the simulator uses the fitted law or the network's own law for this edge.
    public enum Status: String, Codable, Sendable {
        /// The fitted ``CharacterizedEdge/law`` is used.
        case fitted
        /// The measurement could not be fitted (``CharacterizedEdge/note`` says why): the network's law is used.
        case ideal
    }

    public var edge: Int
    public var src: Int
    public var des: Int
    public var status: Status
    /// Why the edge falls back to the ideal law (nil when fitted).
    public var note: String?
    /// The fitted law (for `ideal`: the network's own law).
    public var law: CommonEdgeLaw
    /// Operating points measured (each gives the current leaving src and the current entering des).
    public var points: Int
    /// RMS of (law − measured) over both currents at every point, divided by the range of the ideal current (of the
    /// measured current where the ideal one does not vary; nil when neither varies).
    public var nrmse: Double?
    /// The same for the network's own law: what the fit improves on.
    public var idealNrmse: Double?
    /// Two-fold cross-validated NRMSE: the law fitted to every other point, scored on the points left out.
    public var validationNrmse: Double?
    /// The capacitances the cell adds to its nodes (`kn-map characterize --dynamics-points`), or nil when they were not
    /// measured: the simulator then takes the node capacitors as they are.
    public var dynamics: CellDynamics?

    public init(edge: Int, src: Int, des: Int, status: Status, note: String? = nil, law: CommonEdgeLaw, points: Int,
                nrmse: Double?, idealNrmse: Double?, validationNrmse: Double?, dynamics: CellDynamics? = nil) {
        self.edge = edge
        self.src = src
        self.des = des
        self.status = status
        self.note = note
        self.law = law
        self.points = points
        self.nrmse = nrmse
        self.idealNrmse = idealNrmse
        self.validationNrmse = validationNrmse
        self.dynamics = dynamics
    }
}

/// Why a characterized-edges file cannot be used: the file, the place in it, the problem and the fix.
public enum CharacterizedEdgesError: Error, Equatable, CustomStringConvertible, Sendable {
    case unreadable(file: String, problem: String)
    case invalid(file: String?, place: String, problem: String, fix: String)
    /// The file belongs to another network (or another version of this one).
    case wrongNetwork(file: String?, problem: String)

    public var description: String {
        switch self {
        case let .unreadable(file, problem):
            return "\(file): cannot read the characterized edges: \(problem); check the path (kn-map map --characterize-edges writes OUT/characterized.json)"
        case let .invalid(file, place, problem, fix):
            return "\(file ?? "characterized edges")\(place.isEmpty ? "" : ": " + place): \(problem); fix: \(fix)"
        case let .wrongNetwork(file, problem):
            return "\(file ?? "characterized edges"): do not belong to this model: \(problem); fix: characterize the mapped circuit of this model (kn-map map MODEL --characterize-edges all -o DIR) and pass DIR/characterized.json"
        }
    }

    func located(in file: String) -> CharacterizedEdgesError {
        if case let .invalid(_, place, problem, fix) = self { return .invalid(file: file, place: place, problem: problem, fix: fix) }
        return self
    }
}
