import * as pulumi from "@pulumi/pulumi";

/**
 * Options for a component's child: parented to the component and, because a component's own
 * `dependsOn` does not hold back its children's registration, carrying the component's
 * dependencies plus any of the child's own.
 */
export function childOptions(
    parent: pulumi.Resource,
    opts: pulumi.ComponentResourceOptions | undefined,
    ...extraDependsOn: pulumi.Resource[]
): pulumi.CustomResourceOptions & pulumi.ComponentResourceOptions {
    const inherited = opts?.dependsOn;
    const dependsOn: pulumi.Input<pulumi.Resource>[] = [];
    if (Array.isArray(inherited)) {
        dependsOn.push(...inherited);
    } else if (inherited !== undefined) {
        dependsOn.push(inherited as pulumi.Input<pulumi.Resource>);
    }
    dependsOn.push(...extraDependsOn);
    return dependsOn.length > 0 ? { parent, dependsOn } : { parent };
}
