import { Command, CommanderError, Option } from 'commander';
import { backendNames, detectorNames, embedderNames } from '../config/index.js';
import { errorCodes } from '../errors/index.js';
import { registerEngineCommands } from './commands/engine.command.js';
import { registerGalleryCommands } from './commands/gallery.command.js';
import { registerPipelineCommands } from './commands/pipeline.command.js';
import { registerOpsCommands } from './commands/ops.command.js';
import { registerEvalCommands } from './commands/eval.command.js';
import { registerCalibrateCommand } from './commands/calibrate.command.js';
import { registerTrainCommand } from './commands/train.command.js';

export function buildProgram(): Command {
  const program = new Command('facestream')
    .description('real-time face recognition for camera streams')
    .option('-c, --config <file>', 'YAML configuration file (default: $FACESTREAM_CONFIG)')
    .addOption(new Option('--backend <name>', 'TF.js backend').choices([...backendNames]))
    .addOption(new Option('--detector <name>', 'face detector').choices([...detectorNames]))
    .addOption(new Option('--embedder <name>', 'embedding model').choices([...embedderNames]))
    .option('--flip', 'flip test-time augmentation on every embedding, live frames included (photos have it by default: embedder.photoFlip)')
    .option('--no-flip', 'no flip test-time augmentation, photos included')
    .option('--data-dir <dir>', 'folder of the gallery store, index and crops (default: data.dir, ./data)')
    .showHelpAfterError()
    .exitOverride();
  registerEngineCommands(program);
  registerEvalCommands(program);
  registerCalibrateCommand(program);
  registerTrainCommand(program);
  registerGalleryCommands(program);
  registerPipelineCommands(program);
  registerOpsCommands(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage mistakes get the usage exit code
      process.exitCode = e.exitCode === 0 ? 0 : errorCodes.E_USAGE;
      return;
    }
    throw e;
  }
}
