global using Unlearning.Tests.Support;
