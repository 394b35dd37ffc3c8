import ArgumentParser
import Dispatch
import Foundation
import KNImport
import KNModel
import KNSimulate
import KNVary

struct RetrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrain",
        abstract: "Fine-tune a network under sampled transistor mismatch so that its chips stay close to the nominal network.",
        discussion: """
        By default each Adam step descends --nominal-weight times the nominal loss
        plus the linearised expected chip deviation Σ_j g_jᵀ Σ g_j (g_j = ∂y_j/∂δ from
        the adjoint, Σ the per-edge covariance of offset, gain, amplitude and copy
        from the Pelgrom model and the cells): an exact gradient, no sampled chips.
        With --sampled it draws --chips chips per step instead (the same model as
        `kn-map mc`) and follows the mean chip loss. Gradients come from the discrete
        adjoint of the fixed-step RK4 integrator (exact for that integrator; checked
        against finite differences in the tests). The loss is the cross-entropy with
        --data/--labels, else the squared distance to the original network's nominal
        read-out (distillation).

        After training, the original and the retrained network are measured on
        --eval-chips fresh chips (drawn with --eval-seed, independent of training):
        mean |y_chip − y_original| and the largest shift of the nominal read-out. The
        measurement uses fresh standard normal inputs (--eval-inputs of them, seed
        --eval-seed) when the training inputs were drawn, else the given --inputs or
        --data. Writes NEW.knm and, with --pth, a PyTorch state dict with upstream's
        keys.

        With --characterized DIR/characterized.json (kn-map map MODEL
        --characterize-edges all -o DIR) it trains against the mapped circuit's
        measured cells instead of the ideal edge laws: each cell's errors (weight and
        amplitude ratios, argument offset, compression, output offsets) are held fixed
        on top of the parameters, and the target stays the original network's ideal
        read-out. The parameters then pre-distort the edges so that the circuit does
        what the trained network did. Map NEW.knm again with the same --alpha, --beta
        and --cap, and check it with kn-map verify --target MODEL: a remap only
        follows the prediction as far as its cells' errors stay as measured. To go
        round again, retrain NEW.knm against the new circuit's characterized.json with
        --target MODEL, so that the target stays the original network's read-out.

        Examples:
          kn-map retrain twomoon.knm -o twomoon-robust.knm --pth twomoon-robust.pth
          kn-map retrain twomoon.knm --characterized chip/characterized.json -o twomoon-predistorted.knm
          kn-map retrain mnist.knm --data train-images-idx3-ubyte --labels train-labels-idx1-ubyte --limit 2000 -o mnist-robust.knm
        """
    )

    @Argument(help: "A model file written by `kn-map import`.")
    var model: String

    @Option(help: "Adam steps.") var iterations = 200
    @Option(help: "Mismatch samples per step.") var chips = 6
    @Option(help: "Inputs per step.") var batch = 64
    @Option(help: "Adam learning rate.") var learningRate = 2e-3
    @Option(help: "Weight of the nominal loss next to the mean chip loss.") var nominalWeight = 1.0
    @Option(help: "Seed of the training draws.") var seed: UInt64 = 1
    @Flag(inversion: .prefixedNo, help: "Pair every chip with its mirrored deviations (less gradient noise; with --sampled).") var antithetic = true
    @Flag(help: "Train on sampled chips (--chips per step) instead of the linearised expected chip loss.") var sampled = false
    @Option(help: "Fresh chips for the before/after measurement (0: skip).") var evalChips = 200
    @Option(help: "Seed of the measurement chips (and of its fresh inputs).") var evalSeed: UInt64 = 1_000_003
    @Option(help: "Fresh standard normal inputs for the measurement when the training inputs were drawn.") var evalInputs = 256

    @OptionGroup var variation: VariationOptions
    @OptionGroup var input: InputOptions

    @Option(name: .shortAndLong, help: "The retrained model file NEW.knm.") var output: String
    @Option(help: "Also write the parameters as a PyTorch checkpoint (state dict with upstream's keys).") var pth: String?
    @Option(help: "Write the before/after measurement as JSON.") var report: String?

    func validate() throws {
        if iterations < 0 || chips < 1 || batch < 1 { throw ValidationError("--iterations ≥ 0, --chips ≥ 1 and --batch ≥ 1") }
        if !(learningRate > 0) { throw ValidationError("--learning-rate must be positive") }
        if !sampled && (variation.global != nil || variation.corners != nil) {
            throw ValidationError("--global and --corners shift every chip by a fixed amount, which the linearised chip loss (a covariance) does not see; add --sampled to train on chips that carry the shift")
        }
        if URL(fileURLWithPath: output).pathExtension != ModelFile.fileExtension { throw ValidationError("--output must end in .\(ModelFile.fileExtension)") }
        if let pth, URL(fileURLWithPath: pth).pathExtension != "pth" { throw ValidationError("--pth must end in .pth") }
        if evalChips < 0 || evalInputs < 1 { throw ValidationError("--eval-chips must be ≥ 0 and --eval-inputs ≥ 1") }
        if variation.target != nil && input.labels != nil { throw ValidationError("--target sets the distillation target; with --labels the loss is the task's, so leave one of them out") }
    }

    func run() throws {
        let network = try ModelFile.read(from: URL(fileURLWithPath: model))
        let (inputs, labels, name, _) = try input.load(network)
        let (integrator, deviation) = try variation.integrator(network, inputs: inputs)
        // Only a --corners report needs the model file's digest (it names the model it was measured for).
        let corner = variation.corners == nil ? nil
            : try variation.cornerShift(network, modelDigest: fnv1a64(try Data(contentsOf: URL(fileURLWithPath: model))))
        let mismatch = try variation.mismatchModel(network, model: model, corner: corner?.shifts)
        var options = RetrainOptions()
        options.iterations = iterations
        options.chipsPerStep = chips
        options.inputsPerStep = batch
        options.learningRate = learningRate
        options.nominalWeight = nominalWeight
        options.seed = seed
        options.antithetic = antithetic
        options.linearised = !sampled
        let objective: RetrainObjective = labels.map { .classification(labels: $0) } ?? .distillation
        let cellErrors = try variation.cellErrors(network)
        var intro = "retraining on \(name): \(inputs.count) inputs, RK4 \(integrator.stepsPerUnit) steps/unit (nominal within \(String(format: "%.1e", deviation)) of exact), \(labels == nil ? "distillation to the nominal read-out" : "cross-entropy")\ncells: \(mismatch.provenance)\n"
        if let cellErrors, let characterized = variation.characterized {
            intro += "against the characterized cells of \(characterized): \(cellErrors.fittedEdges) fitted laws held fixed on top of the parameters\n"
        }
        FileHandle.standardError.write(Data(intro.utf8))
        let goal = try variation.targetNetwork()
        let trainer = try Retrainer(network: network, stepsPerUnit: integrator.stepsPerUnit, mismatch: mismatch,
                                    inputs: inputs, objective: objective, options: options, cellErrors: cellErrors, target: goal)
        let bar = ProgressBar(total: iterations, label: "retrain")
        let start = DispatchTime.now().uptimeNanoseconds
        var lastLoss = Double.nan
        let retrained = try trainer.run { step, loss in
            lastLoss = loss
            bar.update(step + 1)
            if !bar.enabled && (step + 1) % max(1, iterations / 10) == 0 {
                FileHandle.standardError.write(Data("step \(step + 1)/\(iterations): loss \(String(format: "%.5g", loss))\n".utf8))
            }
        }
        bar.finish()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9
        try ModelFile.write(retrained, to: URL(fileURLWithPath: output))
        if let pth {
            try TorchCheckpointWriter.write(TorchCheckpointWriter.stateDict(of: retrained), to: URL(fileURLWithPath: pth))
        }
        var msg = "wrote \(output)\(pth.map { " and \($0)" } ?? ""): \(iterations) steps in \(String(format: "%.1f", seconds)) s, final loss \(String(format: "%.5g", lastLoss))\n"
        if evalChips > 0 {
            let drawn = input.inputs == nil && input.data == nil
            let evalSet = drawn ? SampleTable.standardNormal(rows: evalInputs, columns: network.inputWidth, seed: evalSeed).samples : inputs
            let e = try RetrainEvaluation.measure(original: network, retrained: retrained, stepsPerUnit: integrator.stepsPerUnit,
                                                  mismatch: mismatch, inputs: evalSet, chips: evalChips, seed: evalSeed,
                                                  cellErrors: cellErrors, target: goal)
            if let before = e.originalNominalError, let after = e.retrainedNominalError {
                msg += String(format: "%d inputs, characterized cells without mismatch: mean |y_nominal − y_original| %.4g → %.4g\n",
                              e.inputs, before, after)
            }
            msg += String(format: "%d fresh chips × %d inputs: mean |y_chip − y_original| %.4g → %.4g (%.1f %% lower); nominal read-out moved by at most %.4g\n",
                          e.chips, e.inputs, e.originalMeanError, e.retrainedMeanError, 100 * e.reduction, e.nominalShift)
            if let report {
                let enc = JSONEncoder()
                enc.outputFormatting = [.sortedKeys, .prettyPrinted]
                try AtomicFile.write(try enc.encode(e), to: URL(fileURLWithPath: report))
            }
        }
        FileHandle.standardError.write(Data(msg.utf8))
    }
}

extension RetrainCommand: WritesFiles {
    var outputFiles: [URL] { ([output] + [pth, report].compactMap { $0 }).map { URL(fileURLWithPath: $0) } }
}
