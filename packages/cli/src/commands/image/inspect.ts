import { inspectImage, type ImageInspection, RyouikiError } from '@ryouiki/core/internal';
import { JsonCommand } from '../../json-command.js';
import { mapContainers } from '../../each-container.js';
import { storeFlags } from '../../flags.js';

export default class ImageInspect extends JsonCommand {
  static override summary = "Show images' configuration, layers and names as JSON.";
  static override examples = ['<%= config.bin %> image inspect alpine'];
  static override strict = false;
  static override enableJsonFlag = false;
  static override flags = { ...storeFlags };

  override async run(): Promise<ImageInspection[]> {
    const { flags, argv } = await this.parse(ImageInspect);
    if (argv.length === 0) throw new RyouikiError('USAGE', 'name the images to inspect: ryouiki image inspect IMAGE...');
    const found = await mapContainers(argv as string[], async (query) => inspectImage(query, { root: flags.root }));
    process.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
    return found;
  }
}
