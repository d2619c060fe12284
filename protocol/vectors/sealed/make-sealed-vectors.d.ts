export declare const SEALED_VECTOR_DEVICE = "pi-sim-1";
export declare const sealedVectorKeys: {
    readonly ta: Uint8Array<ArrayBufferLike>;
    readonly 'other-ta': Uint8Array<ArrayBufferLike>;
    readonly signer: Uint8Array<ArrayBufferLike>;
    readonly stranger: Uint8Array<ArrayBufferLike>;
    readonly ephemeral: Uint8Array<ArrayBufferLike>;
};
export interface SealedVector {
    file: string;
    container: string;
    model: string;
    generation: number;
    recipient: 'ta' | 'other-ta';
    signer?: 'signer' | 'stranger';
    segmentSize: number;
}
export declare const sealedVectors: SealedVector[];
export declare function sealedVectorsDir(): string;
export declare function containerOf(vector: SealedVector): Uint8Array;
/** The bytes a vector must hold, sealed again from its fixed keys. */
export declare function makeSealedVector(vector: SealedVector): Uint8Array;
/** keys.txt: "<name> <private hex> <public hex>" and "device <id>", one a line. */
export declare function keysText(): string;
