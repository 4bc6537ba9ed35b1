/** Every product's definition, by id: the data components/workloads/product.ts builds from. */
import type { ProductId } from "./catalog";
import { chatbot } from "./chatbot";
import { harvisAi } from "./harvisAi";
import { llmSecretDetection } from "./llmSecretDetection";
import { quickspinAi } from "./quickspinAi";
import type { ProductSettingsById } from "./settings";
import { soundcoreKcp } from "./soundcoreKcp";
import type { ProductDefinition } from "./types";

export const PRODUCT_DEFINITIONS: { readonly [P in ProductId]: ProductDefinition<ProductSettingsById[P]> } = {
    "quickspin-ai": quickspinAi,
    chatbot,
    "soundcore-kcp": soundcoreKcp,
    "harvis-ai": harvisAi,
    "llm-secret-detection": llmSecretDetection,
};
